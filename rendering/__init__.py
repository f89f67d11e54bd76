"""What people read: texts and keyboards made from the rules' objects, in their language. Pure:
nothing here sends anything."""
