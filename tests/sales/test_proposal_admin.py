"""The admin shows proposals, lines and signatures view-only: their lifecycle runs through the
services (Q1–Q3), so nothing can be added, changed or deleted there."""

from django.test import Client
from django.urls import reverse

from dealbook.accounts.models import Role
from dealbook.sales.models import Proposal, ProposalLine, ProposalSignature
from tests.sales.conftest import make_sent, shown_hash


def test_admin_lists_and_pages_render_view_only(w, f):
    from dealbook.sales import services as svc

    proposal = make_sent(w)
    svc.proposal_accept(
        token=proposal.public_token,
        signer_name="Роман Сидоров",
        consent=True,
        document_sha256=shown_hash(proposal),
    )
    root = f.make_user(Role.ADMIN, is_superuser=True, is_staff=True)
    c = Client()
    c.force_login(root)
    for model, obj in (
        (Proposal, proposal),
        (ProposalLine, ProposalLine.objects.first()),
        (ProposalSignature, ProposalSignature.objects.get()),
    ):
        meta = model._meta
        assert c.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
        page = c.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split("<form")[-1]
        assert c.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    assert (
        proposal.public_token
        not in c.get(reverse("admin:sales_proposal_change", args=[proposal.pk])).content.decode()
    )
