"""Admin for users with roles (R1) and sales groups (R2), API tokens and notifications."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from dealbook.accounts.models import ApiToken, Notification, SalesGroup, User
from dealbook.core.admin import LargeTablePaginator, ReadOnlyAdmin


class MemberInline(admin.TabularInline):
    """Shown on a group: who is in it (membership is edited on the user)."""

    model = User
    fk_name = "group"
    fields = ["username", "first_name", "last_name", "role", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SalesGroup)
class SalesGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count"]
    search_fields = ["name"]
    inlines = [MemberInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj) -> int:
        return obj._members


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users with one role of R1 and an optional sales group (R2: group managers see their group)."""

    list_display = ["username", "first_name", "last_name", "role", "group", "is_active", "is_staff"]
    list_filter = ["role", "group", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["group"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    ordering = ["last_name", "first_name", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Personal info"),
            {"fields": ["first_name", "middle_name", "last_name", "email", "phone"]},
        ),
        (_("Role and group"), {"fields": ["role", "group"]}),
        (_("Preferences"), {"fields": ["language", "time_zone"]}),
        (
            _("Permissions"),
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Role and group"), {"fields": ["role", "group", "first_name", "last_name", "email"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issued bearer tokens: only the digest is stored, so an administrator can revoke, never read."""

    list_display = ["id", "user", "name", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["user", "name", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "text"]
    show_full_result_count = False
    paginator = LargeTablePaginator
