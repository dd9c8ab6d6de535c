"""The key store and the key ring: every data key, kept apart from the database that is backed up."""
