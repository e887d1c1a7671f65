"""The CRM: contacts, companies and interactions, as the team sees them."""
