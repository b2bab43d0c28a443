"""Django settings. Everything that differs between machines comes from the environment.

- DATABASE_URL: the database (SQLite file `guichet.sqlite3` in the working directory by default;
  PostgreSQL in production, e.g. postgres://user@127.0.0.1:5432/guichet).
- GUICHET_SECRET_KEY: required when GUICHET_DEBUG is off.
- GUICHET_DEBUG: "1" for the demo and development.
- GUICHET_ALLOWED_HOSTS: comma-separated host names.
- GUICHET_EMAIL_BACKEND, GUICHET_DEFAULT_FROM_EMAIL: how and from whom emails leave (outbox).
- GUICHET_DUNNING_SCHEDULE, GUICHET_UNPAID_REFUSED_ACTS: the dunning steps and the acts refused
  while an invoice is unpaid (README, Configuration).
- GUICHET_STRIPE_*: the card PSP (see below and the README).
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from guichet.billing.rules import UNPAID_REFUSED_ACTS_DEFAULT
from guichet.payments.dunning_rules import DEFAULT_SCHEDULE_TEXT

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_flag("GUICHET_DEBUG", default=False)

SECRET_KEY = os.environ.get("GUICHET_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not os.environ.get("PYTEST_VERSION"):
        raise ImproperlyConfigured("GUICHET_SECRET_KEY must be set when GUICHET_DEBUG is off")
    # Only for the demo and the test suite: never used with GUICHET_DEBUG off in production.
    SECRET_KEY = "guichet-insecure-demo-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("GUICHET_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guichet.catalog",
    "guichet.customers",
    "guichet.lines",
    "guichet.usage",
    "guichet.billing",
    "guichet.payments",
    "guichet.care",
    # -- portal: devices, insurance and after-sales --
    "guichet.devices",
    "guichet.selfcare",
    "guichet.api",
    "guichet.backoffice",
    "guichet.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "guichet.selfcare.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.selfcare.context.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///guichet.sqlite3"),
        conn_max_age=60,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = ["guichet.customers.auth.LoginBackend"]
LOGIN_URL = "selfcare:login"
LOGIN_REDIRECT_URL = "selfcare:home"
LOGOUT_REDIRECT_URL = "selfcare:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = 60 * 60 * 2
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Behind a TLS-terminating proxy in production: it must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_flag("GUICHET_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("GUICHET_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Joining the browsers' HSTS preload list is hard to undo: the operator opts in explicitly.
SECURE_HSTS_PRELOAD = _env_flag("GUICHET_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("GUICHET_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("GUICHET_STATIC_ROOT", "staticfiles"))

EMAIL_BACKEND = os.environ.get(
    "GUICHET_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("GUICHET_DEFAULT_FROM_EMAIL", "espace-client@guichet.local")

# How SMS leave (care.sms): a class with `send(*, to, text)`. The default writes each SMS to
# the `guichet.sms` logger, for the demo and tests; production names its SMS gateway adapter.
GUICHET_SMS_SENDER = os.environ.get("GUICHET_SMS_SENDER", "guichet.care.sms.LogSmsSender")

# SEPA direct debit (payments): the operator's creditor identifier (ICS), name and account
# credited by the debits; required to sign mandates and to collect. With debug on (the demo),
# a sample creditor is used: FR72ZZZ123456 is the ICS format's textbook example.
GUICHET_SEPA_CREDITOR_ID = os.environ.get(
    "GUICHET_SEPA_CREDITOR_ID", "FR72ZZZ123456" if DEBUG else ""
)
GUICHET_SEPA_CREDITOR_NAME = os.environ.get(
    "GUICHET_SEPA_CREDITOR_NAME", "Guichet (démonstration)" if DEBUG else ""
)
GUICHET_SEPA_CREDITOR_IBAN = os.environ.get(
    "GUICHET_SEPA_CREDITOR_IBAN", "FR1420041010050500013M02606" if DEBUG else ""
)
GUICHET_SEPA_CREDITOR_BIC = os.environ.get("GUICHET_SEPA_CREDITOR_BIC", "")
# Where the pain.008 files are dropped for the bank connection (EBICS client, SFTP…), and the
# class that hands them over (payments.sepa_files.OutgoingDirectory writes them there).
GUICHET_SEPA_OUTBOX_DIR = Path(os.environ.get("GUICHET_SEPA_OUTBOX_DIR", "var/sepa/outgoing"))
GUICHET_SEPA_CHANNEL = os.environ.get(
    "GUICHET_SEPA_CHANNEL", "guichet.payments.sepa_files.OutgoingDirectory"
)

# The catalog data files (versioned, from the operator's brochure).
GUICHET_CATALOG_DIR = Path(os.environ.get("GUICHET_CATALOG_DIR", PACKAGE_DIR / "catalog" / "data"))


# Acts refused while an invoice is unpaid, each with the reason shown to the customer: a JSON
# object {"act code": "reason"} (billing.rules.ArrearsAct lists the codes); `{}` refuses none.
# Default: billing.rules.UNPAID_REFUSED_ACTS_DEFAULT.
def _unpaid_refused_acts() -> dict[str, str]:
    raw = os.environ.get("GUICHET_UNPAID_REFUSED_ACTS")
    if raw is None:
        return {str(code): reason for code, reason in UNPAID_REFUSED_ACTS_DEFAULT.items()}
    try:
        acts = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"GUICHET_UNPAID_REFUSED_ACTS is not JSON: {error}") from None
    if not isinstance(acts, dict) or not all(
        isinstance(code, str) and isinstance(reason, str) and reason.strip()
        for code, reason in acts.items()
    ):
        raise ImproperlyConfigured(
            'GUICHET_UNPAID_REFUSED_ACTS: a JSON object {"act code": "reason shown"}'
        )
    return acts


GUICHET_UNPAID_REFUSED_ACTS = _unpaid_refused_acts()

# The dunning schedule: steps and their offsets in days after the due date
# (payments.dunning_rules; checked against CGS 2.4 and 8.2 by `guichet check`).
GUICHET_DUNNING_SCHEDULE = os.environ.get("GUICHET_DUNNING_SCHEDULE", DEFAULT_SCHEDULE_TEXT)
# Card payments (payments.psp) through Stripe's API, or a server that speaks it: `make demo` and
# the tests run localstripe on 127.0.0.1. An empty API base means Stripe itself. The keys come
# from the PSP's dashboard; the webhook secret signs the events it posts to /psp/stripe/webhook.
GUICHET_STRIPE_SECRET_KEY = os.environ.get("GUICHET_STRIPE_SECRET_KEY", "")
GUICHET_STRIPE_PUBLISHABLE_KEY = os.environ.get("GUICHET_STRIPE_PUBLISHABLE_KEY", "")
GUICHET_STRIPE_WEBHOOK_SECRET = os.environ.get("GUICHET_STRIPE_WEBHOOK_SECRET", "")
GUICHET_STRIPE_API_BASE = os.environ.get("GUICHET_STRIPE_API_BASE", "")
GUICHET_STRIPE_JS_URL = os.environ.get("GUICHET_STRIPE_JS_URL", "https://js.stripe.com/v3/")
# A PSP call that has not answered by then leaves its attempt `unknown`, for reconciliation.
GUICHET_STRIPE_TIMEOUT_SECONDS = float(os.environ.get("GUICHET_STRIPE_TIMEOUT_SECONDS", "20"))
# The operator as its invoices name it (billing.documents). The defaults are the brochure's:
# CGS preamble, "Bouygues Telecom Business – Distribution (SAS au capital de 175.715 euros, RCS
# NANTERRE 421 713 892, 6 place Abel Gance 92100 BOULOGNE BILLANCOURT", sold "sous ses
# différentes marques", here NRJ Mobile (the brochure's title); the Service Client number is
# the one "Infos pratiques, Vol et Perte" gives.
GUICHET_OPERATOR_BRAND = os.environ.get("GUICHET_OPERATOR_BRAND", "NRJ Mobile")
GUICHET_OPERATOR_LEGAL_NAME = os.environ.get(
    "GUICHET_OPERATOR_LEGAL_NAME", "Bouygues Telecom Business – Distribution"
)
GUICHET_OPERATOR_LEGAL_FORM = os.environ.get(
    "GUICHET_OPERATOR_LEGAL_FORM", "Société par actions simplifiée"
)
GUICHET_OPERATOR_SHARE_CAPITAL_EUR = os.environ.get("GUICHET_OPERATOR_SHARE_CAPITAL_EUR", "175715")
GUICHET_OPERATOR_RCS_CITY = os.environ.get("GUICHET_OPERATOR_RCS_CITY", "Nanterre")
GUICHET_OPERATOR_SIREN = os.environ.get("GUICHET_OPERATOR_SIREN", "421713892")
GUICHET_OPERATOR_ADDRESS = os.environ.get(
    "GUICHET_OPERATOR_ADDRESS", "6 place Abel Gance, 92100 Boulogne-Billancourt"
)
# The brochure prints no VAT number: when unset, the invoices print the one French rules derive
# from the SIREN (billing.rules.french_vat_number). Set it when the operator's differs.
GUICHET_OPERATOR_VAT_NUMBER = os.environ.get("GUICHET_OPERATOR_VAT_NUMBER", "")
GUICHET_OPERATOR_CUSTOMER_SERVICE_PHONE = os.environ.get(
    "GUICHET_OPERATOR_CUSTOMER_SERVICE_PHONE", "0 969 360 200 (appel non surtaxé)"
)

# Self-care -------------------------------------------------------------------------------------
# How long a sign-in or a confirmation of the password counts as fresh for the sensitive acts
# (selfcare.reauth): show the PUK or the porting code, change the login email or bank details.
GUICHET_REAUTH_SECONDS = int(os.environ.get("GUICHET_REAUTH_SECONDS", "300"))

# -- portal: home and usage --
# The network provisioning adapter (lines.provisioning): the local one applies at once.
GUICHET_PROVISIONING = os.environ.get(
    "GUICHET_PROVISIONING", "guichet.lines.provisioning.LocalNetworkProvisioning"
)
# Carrier billing (Internet+): the monthly caps a customer may choose, in cents; 0 blocks
# purchases. The highest is the ceiling of payment services exempted by PSD2 art. 3(l): 300 €
# a month per subscriber, 50 € per purchase.
GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS = [
    int(step)
    for step in os.environ.get(
        "GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS", "0,1000,2000,5000,10000,30000"
    ).split(",")
]
GUICHET_CARRIER_BILLING_PURCHASE_MAX_CENTS = int(
    os.environ.get("GUICHET_CARRIER_BILLING_PURCHASE_MAX_CENTS", "5000")
)

# -- portal: invoices and payment means --

# -- portal: account and security --
# Signed-in customers are signed out after this long without a request (selfcare.idle).
GUICHET_IDLE_TIMEOUT_SECONDS = int(os.environ.get("GUICHET_IDLE_TIMEOUT_SECONDS", "1800"))
MIDDLEWARE = [*MIDDLEWARE, "guichet.selfcare.idle.IdleTimeoutMiddleware"]
# A "mot de passe oublié" link works once, for this long (Django's token generator).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("GUICHET_PASSWORD_RESET_SECONDS", "3600"))
# Reset emails per login and per hour; more requests get the same answer but send nothing.
GUICHET_PASSWORD_RESETS_PER_HOUR = int(os.environ.get("GUICHET_PASSWORD_RESETS_PER_HOUR", "3"))
# How long the link confirming a new login or contact email works.
GUICHET_EMAIL_CONFIRMATION_SECONDS = int(
    os.environ.get("GUICHET_EMAIL_CONFIRMATION_SECONDS", str(60 * 60 * 24))
)
# Seals the authenticator apps' secrets and peppers the hashes of one-time codes; changing it
# turns off the app-based two-step verification of every customer. Defaults to SECRET_KEY.
GUICHET_TWO_STEP_KEY = os.environ.get("GUICHET_TWO_STEP_KEY", "") or SECRET_KEY
# A second-step code (SMS, sign-in page) lasts this long; this many wrong codes in a quarter
# of an hour lock the second step for that quarter of an hour.
GUICHET_TWO_STEP_CODE_SECONDS = int(os.environ.get("GUICHET_TWO_STEP_CODE_SECONDS", "300"))
GUICHET_TWO_STEP_MAX_FAILURES = int(os.environ.get("GUICHET_TWO_STEP_MAX_FAILURES", "5"))

# -- portal: personal information and tracking --
# Documents customers send (proofs of a change of name): private files, never served by URL.
MEDIA_ROOT = Path(os.environ.get("GUICHET_MEDIA_ROOT", "var/media"))
# The domain of the box lines' email addresses (lines.mailbox_rules): "<local part>@<domain>".
GUICHET_BOX_MAIL_DOMAIN = os.environ.get("GUICHET_BOX_MAIL_DOMAIN", "guichet-box.fr")

# -- portal: lines and emergencies --
# The operator's 2-character code in porting codes (RIO), assigned to each operator for number
# porting; "GU" is the demo's. Partners of the emergency acts: dotted paths of their classes (the
# network itself: GUICHET_PROVISIONING).
GUICHET_PORTING_OPERATOR_CODE = os.environ.get("GUICHET_PORTING_OPERATOR_CODE", "GU")
GUICHET_SIM_LOGISTICS = os.environ.get(
    "GUICHET_SIM_LOGISTICS", "guichet.lines.partners.LocalSimLogistics"
)
GUICHET_MANUFACTURER_CODES = os.environ.get(
    "GUICHET_MANUFACTURER_CODES", "guichet.lines.partners.LocalManufacturerCodes"
)

# -- portal: offer management --

# -- portal: devices, insurance and after-sales --

# -- portal: browser tests --

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GUICHET_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO; its warnings (a CSS rule it ignored)
    # still come through.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
