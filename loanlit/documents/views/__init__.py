"""Views of the documents app: the store (store.py); previews and approvals add their own modules."""
