"""Translation exchange: units of text out to translators (XLSX, XLIFF 2) and back.

``units`` lists the plan's texts with their keys and context, ``xlsx`` and
``xliff`` write and read the exchange files, ``importer`` checks rows and
writes them into the YAML through ``roundtrip``, ``migrate`` rewrites the old
``km_draft`` key.
"""
