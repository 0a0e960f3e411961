"""Users, roles (R1), groups (departments), API tokens and notifications."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DIRECTOR = "director", _("Director")
    GROUP_MANAGER = "group_manager", _("Group manager")
    FINANCIAL_MANAGER = "financial_manager", _("Financial manager")
    ACCOUNTANT = "accountant", _("Accountant")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    OPERATOR = "operator", _("Operator")


class SalesGroup(models.Model):
    """A department of sales managers headed by a group manager (R2)."""

    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("sales group")
        verbose_name_plural = _("sales groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.SALES_MANAGER)
    group = models.ForeignKey(
        SalesGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    # empty: the browser's choice (Accept-Language); set by the language switch, applied at sign-in
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.username[:2].upper()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("token digest"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        key = "db_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, digest=_digest(key)), key

    @classmethod
    def lookup(cls, key: str) -> ApiToken | None:
        if not key:
            return None
        return cls.objects.select_related("user").filter(digest=_digest(key), user__is_active=True).first()


class Notification(models.Model):
    """A message for one user: assignment, new deal, task due, counterparty request (D3, C4)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(max_length=40, verbose_name=_("kind"))
    text = models.CharField(max_length=500, verbose_name=_("text"))
    url = models.CharField(max_length=300, blank=True, verbose_name=_("link"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_user_idx")]
        ordering = ["-id"]
