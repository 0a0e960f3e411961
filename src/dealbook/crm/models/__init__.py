from dealbook.crm.models.companies import (  # noqa: F401
    BankAccount,
    Company,
    CompanyKind,
    ContactPoint,
    CounterpartyRequest,
    Segment,
)
from dealbook.crm.models.contacts import Contact  # noqa: F401
from dealbook.crm.models.deals import (  # noqa: F401
    Deal,
    DealContact,
    DealLine,
    DealType,
    LostReason,
    Pipeline,
    RoutingRule,
    Source,
    Stage,
    StageKind,
    StageTotal,
)
from dealbook.crm.models.leads import Lead, LeadStatus  # noqa: F401
