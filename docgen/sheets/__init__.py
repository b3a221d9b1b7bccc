"""Ministry worksheets: results, costing and timeline rows out to line ministries
as XLSX, and their values back into the plan data, checked (``docgen sheets``)."""
