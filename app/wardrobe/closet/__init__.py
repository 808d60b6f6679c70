"""The customer's own wardrobe: purchases synced in, closet photos added, edit, hide, retire."""
