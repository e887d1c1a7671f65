"""Reading email: headers and bodies, quotes and signatures, people and companies.

Pure Python with no network and no database: the sync pipeline and `./rapport extract`
both call `shared.mail.extract.extract`. Import what you need from its own module: this package
imports none of them, so a function that needs one small part (an address parser, a limit) does not
load the quote and signature readers as it starts.
"""
