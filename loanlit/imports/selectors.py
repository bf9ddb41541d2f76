"""Reads of the import pipeline. To be written (issue 6):

    import_batches_for_user(user) -> QuerySet[ImportBatch]          (own batches; all for jobs.view_all)
    import_batch_get_for_user(user, pk) -> ImportBatch               (404-style DoesNotExist outside scope)
    import_preview(batch, *, sample=20) -> Preview                   (counts per status, sample rows, duplicates, conflicts)
    import_error_report(batch) -> bytes                               (xlsx: the original rows + an error column)
"""
