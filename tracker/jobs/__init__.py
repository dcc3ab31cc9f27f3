"""Jobs run from the command line (cron): the daily reminder run and mail delivery.

Unlike ``services`` (operations that never commit; the request commits once), a job
owns its transactions: it commits in batches so that a crash half-way keeps what was
done and a rerun finishes the rest.
"""
