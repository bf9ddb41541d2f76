"""Views of the reports app: thin (parse → access check → selector → render)."""
