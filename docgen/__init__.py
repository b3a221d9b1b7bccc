"""docgen: drafts Cambodia's NAP-WPS from validated plan data."""
__version__ = "0.1.0"
