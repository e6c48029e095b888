"""Excel in and out, pure Python (no Flask, no database).

safety       inspect_xlsx: refuses hostile or unreadable files (bombs, encryption, not an xlsx)
reader       read_sheet: rows of raw values (python-calamine, openpyxl fallback)
headers      normalise_header, find_header_row, match_columns (tolerant, with synonyms)
parsers      typed cell parsers returning (value, French error or None)
spec         ColumnSpec / SheetSpec and validate_rows -> (records, errors)
writer       safe_value, write_table (streamed export), build_template (import template)
error_report build_error_report: original rows, an "Erreurs" column, bad cells highlighted
"""
