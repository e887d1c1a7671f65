"""What mail clients write around a reply, per language and client: the data behind
`shared.mail.quotes` and the closings of `shared.mail.signatures`.

Each language has a table of forms by kind; each form names the client that writes it, and
`SOURCES` says where that client defines the form, so a reader can check any entry and a new
language or client is one more table, not a longer regular expression. Forms are matched
caselessly, with any run of spaces standing for a space. A form written with `{device}`
(only under "sent_from") matches any short device or app name in its place.

Kinds:
- opener: the words an attribution starts with, before its date ("On", "Am", "Le")
- wrote: the verb that ends an attribution ("wrote", "schrieb", "a écrit")
- from / date / field: labels of the header block above quoted or forwarded mail
  (the sender; the date or sent time; the others: recipients, copy, subject)
- separator: the banner line above quoted or forwarded mail ("Original Message")
- forward_intro: a sentence announcing a forward, ending in a colon ("Begin forwarded message:")
- sent_from: the line a mobile client or app puts under the text ("Sent from my iPhone")
- closing: sign-offs above a name ("Best regards", "Pozdrawiam")
"""

from __future__ import annotations

from collections.abc import Iterable

# Where each client writes the forms attributed to it, in the table's language.
SOURCES = {
    "gmail": "Gmail (web, Android, iOS) with its display language set to the table's language: the reply "
    "attribution ('On <date>, <name> wrote:') and the '---------- Forwarded message ---------' block",
    "outlook": "Outlook (Windows desktop, outlook.com / Outlook on the web, Outlook for iOS and Android) in the "
    "table's language: the header block above quoted and forwarded mail (From / Sent / To / Cc / Subject), the "
    "'-----Original Message-----' separator and the 'Get Outlook for iOS' line",
    "apple": "Apple Mail on macOS and iOS in the table's language: the reply attribution, 'Begin forwarded "
    "message:' and 'Sent from my iPhone' (Mail.app localisation)",
    "thunderbird": "Thunderbird localisation of the table's language, composeMsgs.properties: "
    "mailnews.reply_header_authorwrotesingle, mailnews.reply_header_ondateauthorwrote, "
    "mailnews.reply_header_originalmessage and mailnews.forward_header_originalmessage",
    "yahoo": "Yahoo Mail (web and apps) in the table's language: the header block of its replies and forwards "
    "and 'Sent from Yahoo Mail on Android / for iPhone'",
    "android": "Android mail apps (Samsung Email, Gmail for Android, K-9 Mail, Huawei/Xiaomi mail) in the table's "
    "language: the device line under a message",
    "custom": "Closings taught in business-letter guides of the table's language and seen in its business mail",
}

Form = tuple[str, str]  # (the form as the client writes it, the client: a key of SOURCES)

LANGUAGES: dict[str, dict[str, tuple[Form, ...]]] = {
    "en": {
        "opener": (("On", "gmail"), ("On", "apple"), ("On", "thunderbird")),
        "wrote": (
            ("wrote", "gmail"), ("writes", "thunderbird"), ("wrote on", "yahoo"), ("sent", "apple"),
        ),
        "from": (("From", "outlook"),),
        "date": (("Sent", "outlook"), ("Date", "gmail")),
        "field": (("To", "outlook"), ("Cc", "outlook"), ("Subject", "outlook"), ("Bcc", "outlook")),
        "separator": (
            ("Original Message", "outlook"), ("Forwarded message", "gmail"), ("Forwarded", "yahoo"),
            ("Forwarded Message", "thunderbird"),
            ("Reply Message", "android"),
        ),
        "forward_intro": (("Begin forwarded message", "apple"),),
        "sent_from": (
            ("Sent from my {device}", "apple"), ("Sent from {device}", "outlook"), ("Sent with {device}", "android"),
            ("Sent via {device}", "android"), ("Sent using {device}", "android"),
            ("Sent on the go with {device}", "android"), ("Get Outlook for {device}", "outlook"),
            ("Download Outlook for {device}", "outlook"), ("Outlook for {device}", "outlook"),
            ("Sent from Yahoo Mail on {device}", "yahoo"), ("Sent from Yahoo Mail for {device}", "yahoo"),
        ),
        "closing": (
            ("Thanks", "custom"), ("Thank you", "custom"), ("Thanks again", "custom"), ("Many thanks", "custom"),
            ("Thanks so much", "custom"), ("Thank you so much", "custom"), ("Thx", "custom"), ("Tks", "custom"),
            ("Regards", "custom"), ("Best regards", "custom"), ("Kind regards", "custom"),
            ("Warm regards", "custom"), ("Warmest regards", "custom"), ("With regards", "custom"),
            ("Best", "custom"), ("All the best", "custom"), ("Best wishes", "custom"), ("Cheers", "custom"),
            ("Sincerely", "custom"), ("Yours sincerely", "custom"), ("Sincerely yours", "custom"),
            ("Yours truly", "custom"), ("Yours", "custom"), ("Respectfully", "custom"), ("Take care", "custom"),
            ("Talk soon", "custom"), ("Speak soon", "custom"), ("Love", "custom"), ("Hugs", "custom"),
            ("Greetings", "custom"), ("Cordially", "custom"), ("BR", "custom"), ("Rgds", "custom"),
            ("With thanks", "custom"), ("Thanks in advance", "custom"), ("Your pal", "custom"),
            ("Your friend", "custom"), ("Warmly", "custom"), ("Warm wishes", "custom"), ("All best", "custom"),
            ("Best to you", "custom"), ("Be well", "custom"), ("Kind wishes", "custom"),
            ("With appreciation", "custom"), ("Thank u", "custom"), ("Best rgds", "custom"), ("KR", "custom"),
            ("Many thanks and best regards", "custom"), ("Thanks and regards", "custom"),
            ("Thanks & regards", "custom"), ("Regards and thanks", "custom"), ("Ciao", "custom"),
        ),
    },
    "de": {
        "opener": (("Am", "gmail"), ("Am", "apple"), ("Am", "thunderbird")),
        "wrote": (("schrieb", "gmail"), ("geschrieben", "outlook")),
        "from": (("Von", "outlook"),),
        "date": (("Gesendet", "outlook"), ("Datum", "gmail")),
        "field": (("An", "outlook"), ("Cc", "outlook"), ("Betreff", "outlook"), ("Kopie", "outlook")),
        "separator": (
            ("Ursprüngliche Nachricht", "outlook"), ("Weitergeleitete Nachricht", "gmail"),
            ("Originalnachricht", "android"), ("Antwort Nachricht", "android"),
        ),
        "forward_intro": (("Anfang der weitergeleiteten Nachricht", "apple"),),
        "sent_from": (
            ("Von meinem {device} gesendet", "apple"), ("Gesendet von meinem {device}", "android"),
            ("Gesendet von {device}", "outlook"), ("Gesendet mit {device}", "android"),
            ("Outlook für {device} beziehen", "outlook"), ("Outlook für {device} herunterladen", "outlook"),
            ("Von Yahoo Mail auf {device} gesendet", "yahoo"),
        ),
        "closing": (
            ("Viele Grüße", "custom"), ("Viele Grüsse", "custom"), ("Beste Grüße", "custom"),
            ("Beste Grüsse", "custom"), ("Liebe Grüße", "custom"), ("Liebe Grüsse", "custom"),
            ("Mit freundlichen Grüßen", "custom"), ("Mit freundlichen Grüssen", "custom"),
            ("Freundliche Grüße", "custom"), ("Freundliche Grüsse", "custom"), ("Herzliche Grüße", "custom"),
            ("Herzliche Grüsse", "custom"), ("Schöne Grüße", "custom"), ("Gruß", "custom"), ("Grüße", "custom"),
            ("Grüsse", "custom"), ("LG", "custom"), ("VG", "custom"), ("MfG", "custom"), ("Danke", "custom"),
            ("Vielen Dank", "custom"), ("Besten Dank", "custom"), ("Mit besten Grüßen", "custom"),
            ("Beste Grüße aus", "custom"), ("Bis bald", "custom"),
        ),
    },
    "fr": {
        "opener": (("Le", "gmail"), ("Le", "apple"), ("Le", "thunderbird")),
        "wrote": (("a écrit", "gmail"), ("a ecrit", "thunderbird"), ("écrit", "outlook")),
        "from": (("De", "outlook"), ("Expéditeur", "outlook")),
        "date": (("Envoyé le", "outlook"), ("Envoyé", "outlook"), ("Date", "gmail")),
        "field": (("À", "outlook"), ("A", "outlook"), ("Cc", "outlook"), ("Objet", "outlook"),
                  ("Destinataire", "outlook"), ("Pour", "thunderbird")),
        "separator": (
            ("Message d'origine", "outlook"), ("Message original", "thunderbird"), ("Message transféré", "gmail"),
        ),
        "forward_intro": (("Début du message réexpédié", "apple"), ("Début du message transféré", "apple")),
        "sent_from": (
            ("Envoyé de mon {device}", "apple"), ("Envoyé depuis mon {device}", "android"),
            ("Envoyé depuis {device}", "outlook"), ("Envoyé à partir de {device}", "outlook"),
            ("Envoyé avec {device}", "android"), ("Télécharger Outlook pour {device}", "outlook"),
            ("Obtenir Outlook pour {device}", "outlook"), ("Envoyé de Yahoo Mail pour {device}", "yahoo"),
        ),
        "closing": (
            ("Cordialement", "custom"), ("Bien cordialement", "custom"), ("Bien à vous", "custom"),
            ("Merci", "custom"), ("Merci beaucoup", "custom"), ("Amicalement", "custom"),
            ("Salutations", "custom"), ("Bonne journée", "custom"), ("Très cordialement", "custom"),
            ("Sincères salutations", "custom"), ("Meilleures salutations", "custom"), ("Bien amicalement", "custom"),
            ("Bonne soirée", "custom"), ("À bientôt", "custom"), ("Bises", "custom"),
        ),
    },
    "es": {
        "opener": (("El", "gmail"), ("El", "apple"), ("El", "thunderbird")),
        "wrote": (("escribió", "gmail"), ("escribio", "thunderbird")),
        "from": (("De", "outlook"),),
        "date": (("Enviado el", "outlook"), ("Enviado", "outlook"), ("Fecha", "gmail")),
        "field": (("Para", "outlook"), ("CC", "outlook"), ("Asunto", "outlook")),
        "separator": (("Mensaje original", "outlook"), ("Mensaje reenviado", "gmail")),
        "forward_intro": (("Inicio del mensaje reenviado", "apple"), ("Comienzo del mensaje reenviado", "apple")),
        "sent_from": (
            ("Enviado desde mi {device}", "apple"), ("Enviado desde {device}", "outlook"),
            ("Enviado con {device}", "android"), ("Obtener Outlook para {device}", "outlook"),
            ("Descargar Outlook para {device}", "outlook"), ("Enviado desde Yahoo Mail para {device}", "yahoo"),
        ),
        "closing": (
            ("Saludos", "custom"), ("Un saludo", "custom"), ("Saludos cordiales", "custom"),
            ("Atentamente", "custom"), ("Gracias", "custom"), ("Un abrazo", "custom"),
            ("Muchas gracias", "custom"), ("Cordialmente", "custom"), ("Un cordial saludo", "custom"),
            ("Reciba un cordial saludo", "custom"), ("Muchos saludos", "custom"),
        ),
    },
    "it": {
        "opener": (("Il giorno", "gmail"), ("Il", "apple"), ("Il", "thunderbird")),
        "wrote": (("ha scritto", "gmail"), ("scrisse", "thunderbird")),
        "from": (("Da", "outlook"), ("Mittente", "android")),
        "date": (("Inviato", "outlook"), ("Data", "gmail")),
        "field": (("A", "outlook"), ("Cc", "outlook"), ("Oggetto", "outlook")),
        "separator": (("Messaggio originale", "outlook"), ("Messaggio inoltrato", "gmail")),
        "forward_intro": (("Inizio messaggio inoltrato", "apple"),),
        "sent_from": (
            ("Inviato dal mio {device}", "android"), ("Inviato da {device}", "apple"),
            ("Scarica Outlook per {device}", "outlook"), ("Ottieni Outlook per {device}", "outlook"),
            ("Inviato da Yahoo Mail su {device}", "yahoo"),
        ),
        "closing": (
            ("Saluti", "custom"), ("Cordiali saluti", "custom"), ("Distinti saluti", "custom"),
            ("Grazie", "custom"), ("Un saluto", "custom"), ("Grazie mille", "custom"),
            ("Buona giornata", "custom"), ("A presto", "custom"), ("Un caro saluto", "custom"),
        ),
    },
    "pt": {
        "opener": (("Em", "gmail"), ("No dia", "gmail"), ("Em", "apple"), ("Em", "thunderbird")),
        "wrote": (("escreveu", "gmail"),),
        "from": (("De", "outlook"), ("Remetente", "android")),
        "date": (("Enviado", "outlook"), ("Enviada em", "outlook"), ("Data", "gmail")),
        "field": (("Para", "outlook"), ("Cc", "outlook"), ("Assunto", "outlook")),
        "separator": (
            ("Mensagem original", "outlook"), ("Mensagem encaminhada", "gmail"),
            ("Mensagem reencaminhada", "gmail"),
        ),
        "forward_intro": (
            ("Início da mensagem reencaminhada", "apple"), ("Início da mensagem encaminhada", "apple"),
        ),
        "sent_from": (
            ("Enviado do meu {device}", "apple"), ("Enviado de meu {device}", "android"),
            ("Enviado com {device}", "android"), ("Obter o Outlook para {device}", "outlook"),
            ("Baixe o Outlook para {device}", "outlook"), ("Enviado do Yahoo Mail para {device}", "yahoo"),
        ),
        "closing": (
            ("Obrigado", "custom"), ("Obrigada", "custom"), ("Atenciosamente", "custom"),
            ("Abraços", "custom"), ("Cumprimentos", "custom"), ("Melhores cumprimentos", "custom"),
            ("Com os melhores cumprimentos", "custom"), ("Abraço", "custom"), ("Um abraço", "custom"),
            ("Saudações", "custom"), ("Att", "custom"), ("Muito obrigado", "custom"),
        ),
    },
    "nl": {
        "opener": (("Op", "gmail"), ("Op", "apple"), ("Op", "thunderbird")),
        "wrote": (
            ("schreef", "gmail"), ("heeft geschreven", "apple"), ("geschreven", "outlook"),
            ("het volgende geschreven", "apple"),
        ),
        "from": (("Van", "outlook"), ("Afzender", "android")),
        "date": (("Verzonden", "outlook"), ("Datum", "gmail")),
        "field": (("Aan", "outlook"), ("CC", "outlook"), ("Onderwerp", "outlook")),
        "separator": (("Oorspronkelijk bericht", "outlook"), ("Doorgestuurd bericht", "gmail")),
        "forward_intro": (("Begin doorgestuurd bericht", "apple"),),
        "sent_from": (
            ("Verstuurd vanaf mijn {device}", "apple"), ("Verstuurd vanaf {device}", "android"),
            ("Verzonden vanaf mijn {device}", "android"),
            ("Verzonden vanaf {device}", "outlook"), ("Verzonden met {device}", "android"),
            ("Outlook voor {device} downloaden", "outlook"), ("Download Outlook voor {device}", "outlook"),
        ),
        "closing": (
            ("Met vriendelijke groet", "custom"), ("Met vriendelijke groeten", "custom"),
            ("Vriendelijke groet", "custom"), ("Vriendelijke groeten", "custom"), ("Groeten", "custom"),
            ("Groet", "custom"), ("Bedankt", "custom"), ("Dank je", "custom"), ("Dank je wel", "custom"),
            ("Hartelijke groet", "custom"), ("Met groet", "custom"), ("Mvg", "custom"), ("Gr", "custom"),
        ),
    },
    "sv": {
        "opener": (("Den", "apple"), ("Den", "thunderbird")),
        "wrote": (("skrev", "gmail"),),
        "from": (("Från", "outlook"),),
        "date": (("Skickat", "outlook"), ("Datum", "gmail")),
        "field": (("Till", "outlook"), ("Kopia", "outlook"), ("Ämne", "outlook")),
        "separator": (("Ursprungligt meddelande", "outlook"), ("Vidarebefordrat meddelande", "gmail")),
        "forward_intro": (("Vidarebefordrat mejl", "apple"), ("Vidarebefordrat brev", "apple")),
        "sent_from": (
            ("Skickat från min {device}", "apple"), ("Skickat från {device}", "outlook"),
            ("Hämta Outlook för {device}", "outlook"),
        ),
        "closing": (
            ("Med vänlig hälsning", "custom"), ("Vänliga hälsningar", "custom"), ("Hälsningar", "custom"),
            ("MVH", "custom"), ("Tack", "custom"), ("Bästa hälsningar", "custom"), ("Hälsning", "custom"),
            ("Tack så mycket", "custom"), ("Ha det bra", "custom"),
        ),
    },
    "da": {
        "opener": (("Den", "apple"), ("Den", "thunderbird")),
        "wrote": (("skrev", "gmail"),),
        "from": (("Fra", "outlook"),),
        "date": (("Sendt", "outlook"), ("Dato", "gmail")),
        "field": (("Til", "outlook"), ("Cc", "outlook"), ("Emne", "outlook")),
        "separator": (
            ("Oprindelig meddelelse", "outlook"), ("Videresendt meddelelse", "gmail"),
            ("Oprindelig besked", "thunderbird"), ("Originalmeddelelse", "outlook"), ("Videresendt besked", "gmail"),
        ),
        "forward_intro": (("Videresendt e-mail", "apple"), ("Start på videresendt besked", "apple")),
        "sent_from": (
            ("Sendt fra min {device}", "apple"), ("Sendt fra {device}", "outlook"),
            ("Hent Outlook til {device}", "outlook"),
        ),
        "closing": (
            ("Med venlig hilsen", "custom"), ("Venlig hilsen", "custom"), ("Mvh", "custom"), ("Hilsen", "custom"),
            ("Tak", "custom"), ("Mange tak", "custom"), ("Bedste hilsner", "custom"), ("Kærlig hilsen", "custom"),
            ("Vh", "custom"),
        ),
    },
    "nb": {
        "opener": (("Den", "apple"), ("Den", "thunderbird")),
        "wrote": (("skrev", "gmail"),),
        "from": (("Fra", "outlook"),),
        "date": (("Sendt", "outlook"), ("Dato", "gmail")),
        "field": (("Til", "outlook"), ("Kopi", "outlook"), ("Emne", "outlook")),
        "separator": (
            ("Opprinnelig melding", "outlook"), ("Videresendt melding", "gmail"), ("Opprinnelig e-post", "outlook"),
            ("Videresendt e-post", "gmail"),
        ),
        "forward_intro": (("Videresendt melding", "apple"), ("Begynnelse på videresendt melding", "apple")),
        "sent_from": (("Sendt fra min {device}", "apple"), ("Hent Outlook for {device}", "outlook")),
        "closing": (
            ("Med vennlig hilsen", "custom"), ("Vennlig hilsen", "custom"), ("Hilsen", "custom"),
            ("Takk", "custom"), ("Mvh", "custom"), ("Beste hilsen", "custom"), ("Tusen takk", "custom"),
        ),
    },
    "fi": {
        "opener": (),
        "wrote": (("kirjoitti", "gmail"),),
        "from": (("Lähettäjä", "outlook"),),
        "date": (("Lähetetty", "outlook"), ("Päivämäärä", "gmail"), ("Päiväys", "thunderbird")),
        "field": (("Vastaanottaja", "outlook"), ("Kopio", "outlook"), ("Aihe", "outlook")),
        "separator": (("Alkuperäinen viesti", "outlook"), ("Välitetty viesti", "gmail")),
        "forward_intro": (("Välitetty viesti alkaa", "apple"),),
        "sent_from": (("Lähetetty {device}", "apple"), ("Hanki Outlook for {device}", "outlook")),
        "closing": (
            ("Ystävällisin terveisin", "custom"), ("Terveisin", "custom"), ("Kiitos", "custom"),
            ("Parhain terveisin", "custom"), ("T.", "custom"), ("Kiittäen", "custom"), ("Terv.", "custom"),
        ),
    },
    "pl": {
        "opener": (("W dniu", "thunderbird"), ("Dnia", "apple")),
        "wrote": (
            ("napisał(a)", "gmail"), ("pisze", "thunderbird"), ("napisała", "apple"), ("napisał", "thunderbird"),
            ("napisal", "gmail"),
        ),
        "from": (("Od", "outlook"), ("Nadawca", "android")),
        "date": (("Wysłano", "outlook"), ("Wysłane", "outlook"), ("Data", "gmail")),
        "field": (("Do", "outlook"), ("DW", "outlook"), ("Temat", "outlook"), ("Kopia", "outlook")),
        "separator": (
            ("Wiadomość oryginalna", "outlook"), ("Oryginalna wiadomość", "thunderbird"),
            ("Przekazana wiadomość", "gmail"), ("Przesłana wiadomość", "thunderbird"),
        ),
        "forward_intro": (("Początek przekazywanej wiadomości", "apple"),),
        "sent_from": (
            ("Wysłane z mojego {device}", "apple"), ("Wysłane z {device}", "outlook"),
            ("Wysłano z {device}", "android"), ("Pobierz aplikację Outlook dla systemu {device}", "outlook"),
        ),
        "closing": (
            ("Pozdrawiam", "custom"), ("Z poważaniem", "custom"), ("Dziękuję", "custom"),
            ("Pozdrawiam serdecznie", "custom"), ("Serdecznie pozdrawiam", "custom"), ("Pozdrowienia", "custom"),
            ("Z wyrazami szacunku", "custom"), ("Dzięki", "custom"), ("Pozdr.", "custom"),
        ),
    },
    "cs": {
        "opener": (("Dne", "thunderbird"),),
        "wrote": (("napsal(a)", "gmail"), ("napsal", "thunderbird"), ("napsala", "apple")),
        "from": (("Od", "outlook"), ("Odesílatel", "gmail")),
        "date": (("Odesláno", "outlook"), ("Datum", "gmail")),
        "field": (("Komu", "outlook"), ("Kopie", "outlook"), ("Předmět", "outlook")),
        "separator": (("Původní zpráva", "outlook"), ("Přeposlaná zpráva", "gmail")),
        "forward_intro": (("Začátek přeposílané zprávy", "apple"),),
        "sent_from": (("Odesláno z {device}", "apple"),),
        "closing": (
            ("S pozdravem", "custom"), ("Díky", "custom"), ("Děkuji", "custom"), ("S přátelským pozdravem", "custom"),
            ("Se srdečným pozdravem", "custom"), ("Zdraví", "custom"),
        ),
    },
    "sk": {
        "opener": (("Dňa", "thunderbird"),),
        "wrote": (("napísal(a)", "gmail"), ("napísal", "thunderbird")),
        "from": (("Od", "outlook"),),
        "date": (("Odoslané", "outlook"), ("Dátum", "gmail")),
        "field": (("Komu", "outlook"), ("Kópia", "outlook"), ("Predmet", "outlook")),
        "separator": (("Pôvodná správa", "outlook"), ("Preposlaná správa", "gmail")),
        "forward_intro": (("Začiatok preposlanej správy", "apple"),),
        "sent_from": (("Odoslané z {device}", "apple"),),
        "closing": (("S pozdravom", "custom"), ("Ďakujem", "custom"), ("S úctou", "custom")),
    },
    "hu": {
        "opener": (),
        "wrote": (("írta", "gmail"), ("ezt írta", "gmail")),
        "from": (("Feladó", "outlook"),),
        "date": (("Elküldve", "outlook"), ("Dátum", "gmail"), ("Küldés ideje", "outlook")),
        "field": (("Címzett", "outlook"), ("Másolatot kap", "outlook"), ("Tárgy", "outlook")),
        "separator": (("Eredeti üzenet", "outlook"), ("Továbbított üzenet", "gmail")),
        "forward_intro": (("Továbbított levél kezdete", "apple"),),
        "sent_from": (("{device}-ról küldve", "apple"), ("Küldve {device}", "android")),
        "closing": (
            ("Üdvözlettel", "custom"), ("Tisztelettel", "custom"), ("Köszönöm", "custom"),
            ("Üdv", "custom"), ("Baráti üdvözlettel", "custom"),
        ),
    },
    "ro": {
        "opener": (("Pe", "gmail"), ("În", "apple")),
        "wrote": (("a scris", "gmail"),),
        "from": (("De la", "outlook"),),
        "date": (("Trimis", "outlook"), ("Dată", "gmail")),
        "field": (("Către", "outlook"), ("Cc", "outlook"), ("Subiect", "outlook")),
        "separator": (("Mesaj original", "outlook"), ("Mesaj redirecționat", "gmail")),
        "forward_intro": (("Începutul mesajului redirecționat", "apple"),),
        "sent_from": (("Trimis de pe {device}", "apple"),),
        "closing": (
            ("Cu stimă", "custom"), ("Mulțumesc", "custom"), ("Cu drag", "custom"), ("Toate cele bune", "custom"),
            ("O zi bună", "custom"),
        ),
    },
    "ru": {
        "opener": (),
        "wrote": (("написал(а)", "gmail"), ("написала", "thunderbird"), ("написал", "thunderbird"),
                  ("пишет", "yahoo"), ("писал", "thunderbird")),
        "from": (("От", "outlook"), ("От кого", "yahoo")),
        "date": (("Отправлено", "outlook"), ("Дата", "gmail")),
        "field": (("Кому", "outlook"), ("Копия", "outlook"), ("Тема", "outlook")),
        "separator": (("Исходное сообщение", "outlook"), ("Пересылаемое сообщение", "gmail"),
                      ("Пересылаемое письмо", "yahoo")),
        "forward_intro": (("Начало переадресованного сообщения", "apple"),),
        "sent_from": (("Отправлено с {device}", "apple"), ("Отправлено из {device}", "android")),
        "closing": (
            ("С уважением", "custom"), ("Спасибо", "custom"), ("Всего доброго", "custom"),
            ("С наилучшими пожеланиями", "custom"), ("Всего хорошего", "custom"), ("Заранее спасибо", "custom"),
        ),
    },
    "uk": {
        "opener": (),
        "wrote": (("пише", "gmail"), ("написав(ла)", "gmail"), ("написав", "thunderbird")),
        "from": (("Від", "outlook"),),
        "date": (("Надіслано", "outlook"), ("Дата", "gmail")),
        "field": (("Кому", "outlook"), ("Копія", "outlook"), ("Тема", "outlook")),
        "separator": (("Оригінальне повідомлення", "outlook"), ("Переслане повідомлення", "gmail")),
        "forward_intro": (("Початок листа, що пересилається", "apple"),),
        "sent_from": (("Надіслано з {device}", "apple"),),
        "closing": (("З повагою", "custom"), ("Дякую", "custom"), ("З найкращими побажаннями", "custom")),
    },
    "tr": {
        "opener": (),
        "wrote": (("yazdı", "gmail"), ("şunu yazdı", "gmail")),
        "from": (("Kimden", "outlook"),),
        "date": (("Gönderildi", "outlook"), ("Gönderilme", "outlook"), ("Tarih", "gmail")),
        "field": (("Kime", "outlook"), ("Bilgi", "outlook"), ("Konu", "outlook")),
        "separator": (("Orijinal Mesaj", "outlook"), ("Özgün ileti", "outlook"), ("Yönlendirilmiş ileti", "gmail")),
        "forward_intro": (("iletilmiş ileti başlangıcı", "apple"),),
        "sent_from": (("{device}'umdan gönderildi", "apple"), ("{device}'dan gönderildi", "android")),
        "closing": (
            ("Saygılarımla", "custom"), ("Teşekkürler", "custom"), ("İyi çalışmalar", "custom"),
            ("Sevgiler", "custom"), ("Saygılar", "custom"),
        ),
    },
    "el": {
        "opener": (("Στις", "gmail"),),
        "wrote": (("έγραψε", "gmail"),),
        "from": (("Από", "outlook"),),
        "date": (("Στάλθηκε", "outlook"), ("Ημερομηνία", "gmail")),
        "field": (("Προς", "outlook"), ("Κοιν", "outlook"), ("Θέμα", "outlook")),
        "separator": (("Αρχικό μήνυμα", "outlook"), ("Προωθημένο μήνυμα", "gmail")),
        "forward_intro": (("Αρχή προωθημένου μηνύματος", "apple"),),
        "sent_from": (("Στάλθηκε από το {device} μου", "apple"),),
        "closing": (("Με εκτίμηση", "custom"), ("Ευχαριστώ", "custom"), ("Φιλικά", "custom")),
    },
    "ja": {
        "opener": (),
        "wrote": (("のメッセージ", "gmail"), ("書きました", "thunderbird"), ("のメール", "apple")),
        "from": (("差出人", "outlook"), ("送信者", "thunderbird")),
        "date": (("送信日時", "outlook"), ("日時", "gmail"), ("日付", "thunderbird")),
        "field": (("宛先", "outlook"), ("CC", "outlook"), ("件名", "outlook")),
        "separator": (("元のメッセージ", "outlook"), ("転送されたメッセージ", "gmail"), ("転送メッセージ", "gmail")),
        "forward_intro": (("転送されたメッセージ", "apple"),),
        "sent_from": (("{device}から送信", "apple"),),
        "closing": (
            ("よろしくお願いします", "custom"), ("よろしくお願いいたします", "custom"),
            ("よろしくお願い致します", "custom"), ("宜しくお願いします", "custom"), ("以上", "custom"),
        ),
    },
    "zh": {
        "opener": (("在", "apple"),),
        "wrote": (("写道", "gmail"), ("寫道", "gmail")),
        "from": (("发件人", "outlook"), ("寄件者", "outlook"), ("發件人", "outlook")),
        "date": (("发送时间", "outlook"), ("寄件日期", "outlook"), ("日期", "gmail"), ("时间", "yahoo")),
        "field": (("收件人", "outlook"), ("收件者", "outlook"), ("抄送", "outlook"), ("副本", "outlook"),
                  ("主题", "outlook"), ("主旨", "outlook")),
        "separator": (("原始邮件", "outlook"), ("原始郵件", "outlook"), ("转发的邮件", "gmail"),
                      ("轉寄的郵件", "gmail")),
        "forward_intro": (("以下为转发的邮件", "apple"), ("以下為轉寄的郵件", "apple")),
        "sent_from": (
            ("发自我的{device}", "apple"), ("從我的 {device} 傳送", "apple"), ("从我的{device}发送", "android"),
        ),
        "closing": (
            ("谢谢", "custom"), ("謝謝", "custom"), ("此致", "custom"), ("祝好", "custom"), ("顺祝商祺", "custom"),
            ("敬礼", "custom"), ("顺颂商祺", "custom"), ("祝商祺", "custom"), ("敬上", "custom"),
        ),
    },
    "ko": {
        "opener": (),
        "wrote": (("작성", "gmail"), ("님이 작성", "gmail")),
        "from": (("보낸 사람", "outlook"),),
        "date": (("보낸 날짜", "outlook"), ("날짜", "gmail")),
        "field": (("받는 사람", "outlook"), ("참조", "outlook"), ("제목", "outlook")),
        "separator": (("원본 메시지", "outlook"), ("전달된 메시지", "gmail")),
        "forward_intro": (("전달된 메일", "apple"),),
        "sent_from": (("나의 {device}에서 보냄", "apple"),),
        "closing": (("감사합니다", "custom"), ("고맙습니다", "custom")),
    },
    "ar": {
        "opener": (("في", "gmail"),),
        "wrote": (("كتب", "gmail"),),
        "from": (("من", "outlook"),),
        "date": (("تاريخ الإرسال", "outlook"), ("التاريخ", "gmail"), ("المرسلة", "outlook")),
        "field": (("إلى", "outlook"), ("نسخة", "outlook"), ("الموضوع", "outlook")),
        "separator": (("الرسالة الأصلية", "outlook"), ("رسالة معاد توجيهها", "gmail")),
        "forward_intro": (("بداية الرسالة المعاد توجيهها", "apple"),),
        "sent_from": (("أرسلت من {device}", "apple"), ("مرسل من {device}", "android")),
        "closing": (("مع التحية", "custom"), ("شكرا", "custom"), ("مع خالص التحية", "custom")),
    },
    "he": {
        "opener": (("בתאריך", "gmail"),),
        "wrote": (("כתב/ה", "gmail"), ("כתב", "gmail")),
        "from": (("מאת", "outlook"),),
        "date": (("נשלח", "outlook"), ("תאריך", "gmail")),
        "field": (("אל", "outlook"), ("עותק", "outlook"), ("נושא", "outlook")),
        "separator": (("הודעה מקורית", "outlook"), ("הודעה שהועברה", "gmail")),
        "forward_intro": (("תחילת ההודעה שהועברה", "apple"),),
        "sent_from": (("נשלח מה-{device} שלי", "apple"),),
        "closing": (("בברכה", "custom"), ("תודה", "custom"), ("תודה רבה", "custom")),
    },
    "id": {
        "opener": (("Pada", "gmail"),),
        "wrote": (("menulis", "gmail"),),
        "from": (("Dari", "outlook"),),
        "date": (("Dikirim", "outlook"), ("Tanggal", "gmail")),
        "field": (("Kepada", "outlook"), ("Cc", "outlook"), ("Perihal", "outlook"), ("Subjek", "gmail")),
        "separator": (("Pesan Asli", "outlook"), ("Pesan yang diteruskan", "gmail")),
        "forward_intro": (("Awal pesan yang diteruskan", "apple"),),
        "sent_from": (("Dikirim dari {device} saya", "apple"), ("Dikirim dari {device}", "android")),
        "closing": (("Salam", "custom"), ("Terima kasih", "custom"), ("Hormat saya", "custom"),
                    ("Salam hangat", "custom")),
    },
    "vi": {
        "opener": (("Vào", "gmail"),),
        "wrote": (("đã viết", "gmail"),),
        "from": (("Từ", "outlook"),),
        "date": (("Đã gửi", "outlook"), ("Ngày", "gmail")),
        "field": (("Đến", "outlook"), ("Cc", "outlook"), ("Chủ đề", "outlook")),
        "separator": (("Thư gốc", "outlook"), ("Thư đã chuyển tiếp", "gmail")),
        "forward_intro": (("Bắt đầu thư được chuyển tiếp", "apple"),),
        "sent_from": (("Gửi từ {device} của tôi", "apple"),),
        "closing": (("Trân trọng", "custom"), ("Cảm ơn", "custom"), ("Thân", "custom")),
    },
    "th": {
        "opener": (("เมื่อ", "gmail"),),
        "wrote": (("เขียนว่า", "gmail"),),
        "from": (("จาก", "outlook"),),
        "date": (("ส่ง", "outlook"), ("วันที่", "gmail")),
        "field": (("ถึง", "outlook"), ("สำเนาถึง", "outlook"), ("เรื่อง", "outlook")),
        "separator": (("ข้อความต้นฉบับ", "outlook"), ("ข้อความที่ส่งต่อ", "gmail")),
        "forward_intro": (("เริ่มข้อความที่ส่งต่อ", "apple"),),
        "sent_from": (("ส่งจาก {device} ของฉัน", "apple"),),
        "closing": (("ขอแสดงความนับถือ", "custom"), ("ขอบคุณ", "custom")),
    },
    "hi": {
        "opener": (),
        "wrote": (("ने लिखा", "gmail"), ("लिखा", "gmail")),
        "from": (("प्रेषक", "outlook"), ("से", "gmail")),
        "date": (("भेजा गया", "outlook"), ("दिनांक", "gmail")),
        "field": (("प्रति", "outlook"), ("विषय", "outlook")),
        "separator": (("मूल संदेश", "outlook"), ("अग्रेषित संदेश", "gmail")),
        "forward_intro": (),
        "sent_from": (("मेरे {device} से भेजा गया", "apple"),),
        "closing": (("धन्यवाद", "custom"), ("सादर", "custom"), ("शुभकामनाओं सहित", "custom")),
    },
    "ca": {
        "opener": (("El", "gmail"),),
        "wrote": (("va escriure", "gmail"),),
        "from": (("De", "outlook"),),
        "date": (("Enviat", "outlook"), ("Data", "gmail")),
        "field": (("Per a", "outlook"), ("A", "outlook"), ("Assumpte", "outlook")),
        "separator": (("Missatge original", "outlook"), ("Missatge reenviat", "gmail")),
        "forward_intro": (("Inici del missatge reenviat", "apple"),),
        "sent_from": (("Enviat des del meu {device}", "apple"),),
        "closing": (("Salutacions", "custom"), ("Gràcies", "custom"), ("Cordialment", "custom")),
    },
    "hr": {
        "opener": (),
        "wrote": (("je napisao", "gmail"), ("napisao je", "gmail"), ("je napisala", "gmail")),
        "from": (("Šalje", "outlook"), ("Od", "gmail")),
        "date": (("Poslano", "outlook"), ("Datum", "gmail")),
        "field": (("Prima", "outlook"), ("Kopija", "outlook"), ("Predmet", "outlook")),
        "separator": (("Izvorna poruka", "outlook"), ("Proslijeđena poruka", "gmail")),
        "forward_intro": (("Početak proslijeđene poruke", "apple"),),
        "sent_from": (("Poslano s mog {device}", "apple"),),
        "closing": (("Srdačan pozdrav", "custom"), ("Lijep pozdrav", "custom"), ("Hvala", "custom"),
                    ("S poštovanjem", "custom")),
    },
    "bg": {
        "opener": (),
        "wrote": (("написа", "gmail"),),
        "from": (("От", "outlook"),),
        "date": (("Изпратено", "outlook"), ("Дата", "gmail")),
        "field": (("До", "outlook"), ("Копие", "outlook"), ("Относно", "outlook")),
        "separator": (("Оригинално съобщение", "outlook"), ("Препратено съобщение", "gmail")),
        "forward_intro": (),
        "sent_from": (("Изпратено от моя {device}", "apple"),),
        "closing": (("Поздрави", "custom"), ("С уважение", "custom"), ("Благодаря", "custom")),
    },
    "is": {
        "opener": (),
        "wrote": (("skrifaði", "gmail"),),
        "from": (("Frá", "outlook"),),
        "date": (("Sent", "outlook"), ("Dagsetning", "gmail")),
        "field": (("Til", "outlook"), ("Efni", "outlook")),
        "separator": (("Upprunaleg skilaboð", "outlook"),),
        "forward_intro": (),
        "sent_from": (("Sent úr {device}", "apple"),),
        "closing": (("Kveðja", "custom"), ("Bestu kveðjur", "custom"), ("Takk", "custom")),
    },
}  # fmt: skip


def forms(kind: str, languages: Iterable[str] | None = None) -> tuple[str, ...]:
    """Every form of `kind` across the languages (all of them by default), first appearance kept."""
    found: dict[str, None] = {}
    for language in languages if languages is not None else LANGUAGES:
        for text, _client in LANGUAGES[language].get(kind, ()):
            found.setdefault(text)
    return tuple(found)


def unknown_clients() -> list[str]:
    """Forms whose client has no entry in SOURCES: each form must say where it comes from."""
    return [
        f"{language}/{kind}/{text}"
        for language, table in LANGUAGES.items()
        for kind, entries in table.items()
        for text, client in entries
        if client not in SOURCES
    ]
