"""Customer data rights: export everything about a customer, erase it, and keep closed tickets
only as long as each inbox says (docs/privacy.md)."""
