"""Sales services: every write a user, the client's public link or a job can cause on proposals."""

from dealbook.sales.services.invoicing import proposal_to_invoice  # noqa: F401
from dealbook.sales.services.lifecycle import (  # noqa: F401
    LinkExpired,
    proposal_decline,
    proposal_expire,
    proposal_public_open,
    proposal_send,
    proposals_expire_due,
)
from dealbook.sales.services.lines import (  # noqa: F401
    proposal_line_add,
    proposal_line_remove,
    proposal_line_update,
)
from dealbook.sales.services.proposals import proposal_create, proposal_update  # noqa: F401
from dealbook.sales.services.signing import proposal_accept, proposal_signed_copy  # noqa: F401
