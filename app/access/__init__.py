"""Who may see which customer, now, and which of their fields (see policy.py)."""
