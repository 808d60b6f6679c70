"""Lookbooks a stylist sends after a session, and the try-on reservations customers make from them.

``service`` holds the lookbook use cases, ``reservations`` the holds on store stock, ``expiry`` the
periodic job that ends overdue holds; ``router`` (JSON) and ``pages`` (HTML) stay thin.
"""
