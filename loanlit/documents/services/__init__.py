"""Writes of the documents app (DESIGN rule 1). The store (store.py) and approvals (approvals.py).

Contract used by other apps (docgen, batches, enforcement):

* ``document_add(*, actor, case, category, title, filename, content, source="uploaded", proceeding=None,
  doc_date=None, tags=(), note="") -> Document`` — a new document with its first version. ``content`` is
  bytes or a readable binary file (an ``UploadedFile`` streams chunk by chunk, hashed while written).
  Needs edit rights on the case (``cases.access.require_edit``); refused input raises ``DomainError``
  with a translated message and writes nothing (no row, no file left behind). Audited on the case's
  stream; a ``CaseEvent`` "document added" on the timeline.
* ``version_add(*, actor, document, filename, content, version, note="") -> DocumentVersion`` — a new
  version (``version`` is the document's optimistic version); refused while an approval is pending,
  and a locked (approved) document becomes unlocked with approval state reset (needs approval again).
"""

from __future__ import annotations

from .approvals import *  # noqa: F403
from .store import *  # noqa: F403
