"""Customers: households and organisations, each in one branch, with a tier and an owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import CustomerKind, Language, Lifecycle, Tier
from qiwang.customers.querysets import CustomerQuerySet
from qiwang.customers.search import search_key

__all__ = ["Customer"]


class Customer(models.Model):
    """A customer (客户): a household (业主 / 热用户) or an organisation (B2B buyer)."""

    code = models.CharField(_("customer number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.GENERAL)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="customers", on_delete=models.PROTECT
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        related_name="customers",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # Personal data: shown only to roles with Action.VIEW_PERSONAL_DATA.
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    # The customer's openid at the organisation's WeChat Official Account (one per account; not
    # the WeChat handle above): invitations and greetings go to it as template messages.
    wechat_openid = models.CharField(
        _("WeChat openid"),
        max_length=64,
        blank=True,
        help_text=_(
            "The customer's openid at your WeChat Official Account (given when they follow it); "
            "survey invitations and greetings can be sent to it."
        ),
    )
    # The customer objected to having their openid collected by WeChat's web authorisation
    # (PIPL: they may refuse); the invitation page then never goes round it.
    wechat_openid_declined = models.BooleanField(
        _("do not collect the WeChat openid"),
        default=False,
        help_text=_(
            "The customer objected: their invitations never ask WeChat for the openid. Ticking "
            "it also clears the openid above."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=Language.choices,
        default=Language.ZH_HANS,
        help_text=_("The language greetings and survey invitations are written in."),
    )
    # Value figures and activity: the lifecycle is derived from these (docs/customers.md).
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    customer_since = models.DateField(
        _("customer since"), null=True, blank=True, help_text=_("Start of the relationship.")
    )
    # Lifecycle: refreshed daily from activity by ``refresh_lifecycles`` (docs/customers.md);
    # every change is kept as a LifecycleChange row.
    lifecycle = models.CharField(
        _("lifecycle"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.NEW
    )
    # The customer's own dates, for greetings.
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    founded_on = models.DateField(
        _("company anniversary"), null=True, blank=True, help_text=_("Founding date.")
    )
    tags = models.ManyToManyField(
        "customers.CustomerTag", verbose_name=_("tags"), related_name="customers", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    # What the search box and the API's q= look in (qiwang.customers.search): name, pinyin,
    # initials, number, phone digits; kept in step by save() and the bulk writes. Indexed by
    # migration 0013 (trigram GIN on PostgreSQL).
    search_key = models.CharField(
        _("search key"), max_length=1000, blank=True, default="", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        # NB: the search index on ``search_key`` is made by migration 0013 outside Meta (a GIN
        # trigram index on PostgreSQL). On SQLite a migration that adds or alters a column of
        # this table rebuilds it and drops that index: such a migration must end with
        # RunPython(search.restore_sqlite_index) (see 0017, 0018; tests/customers/test_search.py
        # checks it).
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["branch", "tier"]),
            models.Index(fields=["tier", "account_manager"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.refresh_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "code", "phone"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def refresh_search_key(self) -> None:
        """Recompute :attr:`search_key` from the name, number and phone."""
        self.search_key = search_key(name=self.name, code=self.code, phone=self.phone)

    PERSONAL_FIELDS = ("phone", "email", "address", "wechat", "wechat_openid")
