"""Sidebar apps: a company's own data shown beside a customer."""
