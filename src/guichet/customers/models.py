"""People and their credentials, identity, addresses, contact preferences and directory listing.

Rows here change only through `guichet.customers.services`; other contexts read them through
`guichet.customers.selectors`.
"""

import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("A user needs an email address to log in")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login: a customer's (linked from `Customer.user`) or an advisor's (`is_staff`)."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Advisor: may use the back office.")
    date_joined = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


class Civility(models.TextChoices):
    MADAME = "mme", "Madame"
    MONSIEUR = "m", "Monsieur"


class NumberSequence(models.Model):
    """A counter that hands out customer numbers; locked row by row, so numbers never repeat."""

    name = models.CharField(max_length=40, primary_key=True)
    next_value = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.next_value}"


class Customer(models.Model):
    """The holder of the contract (CGS 3.1: an adult natural person) and of the self-care login."""

    # Default related name `customer`: `customers.auth.LoginBackend` looks users up by
    # `customer__number`.
    user = models.OneToOneField(User, on_delete=models.PROTECT)
    # "C" + 8 digits, always upper-case so that the login by number can compare exactly.
    number = models.CharField(max_length=12, unique=True)
    civility = models.CharField(max_length=3, choices=Civility.choices)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    # Where the operator writes to; may differ from the login email (`user.email`).
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=16, help_text="E.164, e.g. +33612345678.")
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(number=Upper("number")), name="customer_number_upper_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.first_name} {self.last_name}"


class AddressKind(models.TextChoices):
    BILLING = "billing", "Adresse de facturation"
    POSTAL = "postal", "Adresse postale"
    INSTALLATION = "installation", "Adresse d'installation"


class Address(models.Model):
    """One address per customer and kind; `address_set` replaces it in place."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=20, choices=AddressKind.choices)
    # Street lines of an AFNOR NF Z10-011 address, 38 characters each; line1 is required.
    line1 = models.CharField(max_length=38)
    line2 = models.CharField(max_length=38, blank=True)
    line3 = models.CharField(max_length=38, blank=True)
    postcode = models.CharField(max_length=10)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="FR", help_text="ISO 3166-1 alpha-2.")
    updated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["customer", "kind"], name="address_one_per_kind"),
        ]

    def __str__(self) -> str:
        return ", ".join(self.lines)

    @property
    def lines(self) -> list[str]:
        street = [line for line in (self.line1, self.line2, self.line3) if line]
        return [*street, f"{self.postcode} {self.city}", self.country]


class ContactTopic(models.TextChoices):
    INVOICES = "invoices", "Factures"
    USAGE_ALERTS = "usage_alerts", "Alertes de consommation"
    SERVICE_INFORMATION = "service_information", "Informations sur vos services"
    OFFERS = "offers", "Offres commerciales"


class ContactChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    POST = "post", "Courrier"
    # -- portal: personal information and tracking --
    PHONE = "phone", "Téléphone"


class ContactPreference(models.Model):
    """A customer's explicit choice for one topic and channel; absent rows mean the default.

    `changed_at` is when the customer gave or withdrew consent (proof of opt-in for offers).
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contact_preferences"
    )
    topic = models.CharField(max_length=30, choices=ContactTopic.choices)
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    opted_in = models.BooleanField()
    changed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["customer", "topic", "channel"], name="contact_preference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic}/{self.channel}={'yes' if self.opted_in else 'no'}"


class AddressPublication(models.TextChoices):
    FULL = "full", "Adresse complète"
    # CGS 11.1: "adresse postale complète ou non": the partial form shows the city only.
    PARTIAL = "partial", "Ville seulement"
    NONE = "none", "Pas d'adresse"


class DirectoryListing(models.Model):
    """CGS 11.1 (annuaire universel): whether and how the customer appears in directories.

    No row means not listed: the customer's details go to directory publishers only if they
    communicate them.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="directory_listing"
    )
    listed = models.BooleanField()
    # CGS 11.1: "nom, prénom ou initiales": the first name may be reduced to its initial.
    first_name_initial_only = models.BooleanField(default=False)
    address_publication = models.CharField(
        max_length=10, choices=AddressPublication.choices, default=AddressPublication.NONE
    )
    publish_email = models.BooleanField(default=False)
    # CGS 11.1: "liste anti-prospection": no commercial use of the listed details.
    anti_prospecting = models.BooleanField(default=False)
    # CGS 11.1: "liste anti-annuaire inversé": no lookup of the details from the number.
    anti_reverse_lookup = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(listed=True)
                | models.Q(
                    first_name_initial_only=False,
                    address_publication=AddressPublication.NONE,
                    publish_email=False,
                    anti_prospecting=False,
                    anti_reverse_lookup=False,
                ),
                name="directory_options_only_when_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {'listed' if self.listed else 'unlisted'}"


class LoginAttempt(models.Model):
    """One try to log in, kept to throttle password guessing (see customers.rules)."""

    login = models.CharField(max_length=254, help_text="As typed, trimmed and lower-cased.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["login", "at"], name="login_attempt_login_at"),
            models.Index(fields=["ip_address", "at"], name="login_attempt_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.login} {'ok' if self.succeeded else 'failed'} at {self.at:%Y-%m-%d %H:%M}"


# -- portal: personal information and tracking --


class PreferredContactTime(models.TextChoices):
    MORNING = "morning", "Le matin (9 h – 12 h)"
    AFTERNOON = "afternoon", "L'après-midi (12 h – 18 h)"
    EVENING = "evening", "En soirée (18 h – 20 h)"


class ProfileInterest(models.TextChoices):
    SMARTPHONES = "smartphones", "Smartphones et objets connectés"
    STREAMING = "streaming", "Vidéo et musique en ligne"
    GAMING = "gaming", "Jeux vidéo"
    TRAVEL = "travel", "Voyages à l'étranger"
    HOME_NETWORK = "home_network", "Wi-Fi et maison connectée"


class CustomerProfile(models.Model):
    """ "Compléter mon profil": optional facts the customer volunteers; none is required by
    the contract, so an empty profile is valid. Used to tailor advice, never to refuse an act."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="profile")
    birth_place = models.CharField(max_length=100, blank=True)
    # People living in the home, the customer included: sizes the advice on data and Wi-Fi.
    household_size = models.PositiveSmallIntegerField(null=True, blank=True)
    preferred_contact_time = models.CharField(
        max_length=10, choices=PreferredContactTime.choices, blank=True
    )
    interests = models.JSONField(default=list, help_text="Codes of ProfileInterest.")
    updated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(household_size__isnull=True)
                | models.Q(household_size__gte=1, household_size__lte=20),
                name="customer_profile_household_size_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.customer_id}"


class NameChangeReason(models.TextChoices):
    """Why the holder's legal name changes; each needs the proof the page names."""

    MARRIAGE = "marriage", "Mariage ou PACS"
    DIVORCE = "divorce", "Divorce"
    COURT_DECISION = "court_decision", "Décision de justice ou changement d'état civil"
    TYPING_ERROR = "typing_error", "Erreur de saisie à la souscription"


def _proof_path(document: "IdentityProof", filename: str) -> str:
    # A random name: nothing the customer typed reaches the file system.
    return f"identity-proofs/{document.customer_id}/{uuid.uuid4().hex}{Path(filename).suffix}"


class IdentityProof(models.Model):
    """A document the customer sent to prove a change of identity (marriage certificate,
    judgment…). Stored under MEDIA_ROOT, never served by a public URL: advisors read it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="proofs")
    # The care request it supports (care.Request); an id, as customers does not depend on care.
    request_id = models.BigIntegerField()
    file = models.FileField(upload_to=_proof_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Proof for request {self.request_id}"


# -- portal: account and security --
class TwoStepMethod(models.TextChoices):
    SMS = "sms", "Code par SMS"
    TOTP = "totp", "Application d'authentification"


class SecurityTwoStep(models.Model):
    """The second sign-in step a customer turned on; no row means the password alone."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="security_two_step")
    method = models.CharField(max_length=10, choices=TwoStepMethod.choices)
    # SMS: one of the customer's own mobile lines, proven by a code sent to it first (E.164).
    phone = models.CharField(max_length=16, blank=True)
    # TOTP: the shared secret, sealed with GUICHET_TWO_STEP_KEY (customers.otp.seal).
    sealed_secret = models.CharField(max_length=200, blank=True)
    # The last TOTP time step accepted: a code is never accepted twice.
    last_totp_step = models.BigIntegerField(null=True, blank=True)
    enabled_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(method=TwoStepMethod.SMS, sealed_secret="") & ~models.Q(phone="")
                | models.Q(method=TwoStepMethod.TOTP, phone="") & ~models.Q(sealed_secret=""),
                name="security_two_step_method_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.method}"


class SecurityRecoveryCode(models.Model):
    """A single-use code to pass the second step without the phone; only its keyed hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {'used' if self.used_at else 'unused'}"


class SecurityChallengePurpose(models.TextChoices):
    SIGN_IN = "sign_in", "Connexion"
    REAUTHENTICATION = "reauthentication", "Confirmation d'identité"
    ENROL = "enrol", "Activation de la validation en deux étapes"


class SecurityChallenge(models.Model):
    """One second-step code asked of a user; counts the wrong answers (throttling)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_challenges")
    purpose = models.CharField(max_length=20, choices=SecurityChallengePurpose.choices)
    method = models.CharField(max_length=10, choices=TwoStepMethod.choices)
    # SMS: where the code went, and the code's keyed hash.
    phone = models.CharField(max_length=16, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    # Enrolment in an app: the new secret, sealed, until the first code proves the app has it.
    sealed_secret = models.CharField(max_length=200, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "created_at"], name="security_challenge_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose}/{self.method} at {self.created_at:%Y-%m-%d %H:%M}"


class EmailChangeKind(models.TextChoices):
    LOGIN = "login", "Identifiant de connexion"
    CONTACT = "contact", "E-mail de contact"


class SecurityEmailChange(models.Model):
    """A new address waiting for its owner to click the link sent to it; single use."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="security_email_changes"
    )
    kind = models.CharField(max_length=10, choices=EmailChangeKind.choices)
    new_email = models.EmailField()
    # SHA-256 of the link's random token: the table alone does not give working links.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # A newer request of the same kind replaces this one.
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} → {self.new_email}"


class SecurityPasswordResetRequest(models.Model):
    """One "mot de passe oublié" request, kept to throttle them per login and per address."""

    login = models.CharField(max_length=254, help_text="As typed, trimmed and lower-cased.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    sent = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["login", "at"], name="password_reset_login_at"),
            models.Index(fields=["ip_address", "at"], name="password_reset_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.login} at {self.at:%Y-%m-%d %H:%M}"
