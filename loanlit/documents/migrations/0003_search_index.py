"""The full-text index of DocumentText.index_text, per vendor (see loanlit/documents/search.py).

SQLite: an FTS5 table with DocumentText as external content, kept in step by triggers. PostgreSQL: a GIN
index on to_tsvector('simple', index_text). Other databases (MySQL/MariaDB): nothing; search falls back to
LIKE."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE documents_text_fts USING fts5(index_text, content='documents_documenttext', content_rowid='id', tokenize='unicode61')",
    """CREATE TRIGGER documents_text_fts_ai AFTER INSERT ON documents_documenttext BEGIN
        INSERT INTO documents_text_fts(rowid, index_text) VALUES (new.id, new.index_text);
    END""",
    """CREATE TRIGGER documents_text_fts_ad AFTER DELETE ON documents_documenttext BEGIN
        INSERT INTO documents_text_fts(documents_text_fts, rowid, index_text) VALUES ('delete', old.id, old.index_text);
    END""",
    """CREATE TRIGGER documents_text_fts_au AFTER UPDATE ON documents_documenttext BEGIN
        INSERT INTO documents_text_fts(documents_text_fts, rowid, index_text) VALUES ('delete', old.id, old.index_text);
        INSERT INTO documents_text_fts(rowid, index_text) VALUES (new.id, new.index_text);
    END""",
    "INSERT INTO documents_text_fts(documents_text_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_text_fts_au",
    "DROP TRIGGER IF EXISTS documents_text_fts_ad",
    "DROP TRIGGER IF EXISTS documents_text_fts_ai",
    "DROP TABLE IF EXISTS documents_text_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX documents_text_tsv_gin ON documents_documenttext USING GIN (to_tsvector('simple'::regconfig, index_text))"
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS documents_text_tsv_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_seed_categories")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
            elidable=False,
        )
    ]
