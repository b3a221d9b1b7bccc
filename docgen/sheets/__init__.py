"""Ministry worksheets: results, costing and timeline rows out to line ministries
as XLSX, and their values back into the plan data, checked (``docgen sheets``)."""

# What a worksheet holds and how its rows are grouped into sheets.
KINDS = ("results", "costing", "timeline")
GROUPINGS = ("pillar", "lead")
