"""LDAP sign-in against a real, throw-away OpenLDAP server (python-ldap's slapdtest), through the login page.

Needs Debian's slapd and ldap-utils (the Makefile's ``ldap-packages`` step, part of ``make test``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from loanlit.accounts import services as account_services
from loanlit.accounts.models import User
from loanlit.accounts.sso.mapping import parse_group_map
from loanlit.audit.models import AccessLog, AuditEntry

SLAPD = Path("/usr/sbin/slapd")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not SLAPD.exists() or shutil.which("ldapadd") is None,
        reason="LDAP tests need Debian's slapd and ldap-utils: run `make ldap-packages` (part of `make test`).",
    ),
]

SUFFIX = "dc=bank,dc=cn"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
LEGAL = f"cn=Legal,{GROUPS}"
HANDLERS = f"cn=Handlers,{GROUPS}"
BEIJING = f"cn=Beijing,{GROUPS}"
SERVICE_DN = f"cn=loanlit-svc,{SUFFIX}"
SERVICE_PASSWORD = "svc-password-1"


def _person(uid: str, name: str, number: str, password: str) -> str:
    return (
        f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {name.split()[-1]}\n"
        f"displayName: {name}\nmail: {uid}@bank.example\nemployeeNumber: {number}\nuserPassword: {password}\n"
    )


def _group(dn: str, members: list[str]) -> str:
    cn = dn.split(",")[0].split("=")[1]
    lines = [f"dn: {dn}", "objectClass: groupOfNames", f"cn: {cn}"]
    lines += [f"member: uid={uid},{PEOPLE}" for uid in members]
    return "\n".join(lines) + "\n"


DIRECTORY = "\n".join(
    [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bank\no: Bank\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: loanlit-svc\n"
        f"userPassword: {SERVICE_PASSWORD}\n",
        _person("zhangwei", "Zhang Wei", "E1001", "Zhang-secret-1"),
        _person("lina", "Li Na", "E1002", "Lina-secret-1"),
        _person("wanggang", "Wang Gang", "E1003", "Wang-secret-1"),
        _person("localclash", "Local Clash", "E1004", "Directory-secret-1"),
        _group(LEGAL, ["lina"]),
        _group(HANDLERS, ["zhangwei", "lina", "localclash"]),
        _group(BEIJING, ["zhangwei"]),
        # wanggang is in no group Loanlit maps.
    ]
)


@pytest.fixture(scope="module")
def slapd():
    import slapdtest

    server = slapdtest.SlapdObject()
    server.suffix = SUFFIX
    server.openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif")
    server.start()
    try:
        server.ldapadd(DIRECTORY)
        yield server
    finally:
        server.stop()


@pytest.fixture
def ldap_settings(settings, slapd):
    import ldap
    from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

    settings.LDAP_ENABLED = True
    settings.AUTH_LDAP_SERVER_URI = slapd.ldap_uri
    settings.AUTH_LDAP_BIND_DN = SERVICE_DN
    settings.AUTH_LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(uid=%(user)s)")
    settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(GROUPS, ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)")
    settings.AUTH_LDAP_GROUP_TYPE = GroupOfNamesType()
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 5}
    settings.AUTH_LDAP_ALWAYS_UPDATE_USER = False
    settings.AUTH_LDAP_CACHE_TIMEOUT = 0
    settings.LDAP_ATTRIBUTES = {"display_name": "displayName", "email": "mail", "staff_no": "employeeNumber"}
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "loanlit.accounts.sso.ldap.LoanlitLDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.SSO_GROUP_ROLES = parse_group_map(f"{LEGAL} => legal_manager | {HANDLERS} => case_handler")
    settings.SSO_GROUP_UNITS = parse_group_map("Beijing => BJ")
    settings.SSO_DEFAULT_UNIT = "HO"
    settings.SSO_DEFAULT_CREDITORS = ("BANK-A",)
    return settings


def sign_in(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_directory_password_signs_in_and_creates_the_mapped_user(client, personas, ldap_settings):
    response = sign_in(client, "ZhangWei", "Zhang-secret-1")
    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None and user.username == "zhangwei"
    assert client.session["_auth_user_backend"] == "loanlit.accounts.sso.ldap.LoanlitLDAPBackend"
    assert (user.display_name, user.email, user.staff_no) == ("Zhang Wei", "zhangwei@bank.example", "E1001")
    assert (user.role.code, user.unit.code, user.auth_source) == ("case_handler", "BJ", "ldap")
    assert list(user.creditors.values_list("code", flat=True)) == ["BANK-A"]
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action="user.created", target_id=str(user.pk)).count() == 1


def test_first_listed_group_wins_and_unit_falls_back_to_the_default(client, personas, ldap_settings):
    assert sign_in(client, "lina", "Lina-secret-1").status_code == 302
    user = signed_in_user(client)
    assert (user.role.code, user.unit.code) == ("legal_manager", "HO")


def test_role_follows_the_directory_at_the_next_sign_in(client, personas, ldap_settings, slapd):
    sign_in(client, "zhangwei", "Zhang-secret-1")
    slapd.ldapmodify(f"dn: {LEGAL}\nchangetype: modify\nadd: member\nmember: uid=zhangwei,{PEOPLE}\n")
    try:
        client.post(reverse("accounts:logout"))
        assert sign_in(client, "zhangwei", "Zhang-secret-1").status_code == 302
    finally:
        slapd.ldapmodify(f"dn: {LEGAL}\nchangetype: modify\ndelete: member\nmember: uid=zhangwei,{PEOPLE}\n")
    user = User.objects.get(username="zhangwei")
    assert user.role.code == "legal_manager"
    synced = AuditEntry.objects.get(action="user.directory_synced", target_id=str(user.pk))
    assert synced.changes == {"role": {"old": "case_handler", "new": "legal_manager"}}


def test_wrong_directory_password_is_refused_and_creates_nobody(client, personas, ldap_settings):
    users = User.objects.count()
    response = sign_in(client, "zhangwei", "wrong-password")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert User.objects.count() == users


def test_user_in_no_mapped_group_is_refused_with_a_message_and_logged(client, personas, ldap_settings):
    users = User.objects.count()
    response = sign_in(client, "wanggang", "Wang-secret-1")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    assert "您的目录账号不在可访问 Loanlit 的组中" in response.content.decode()
    row = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED, detail__reason="no_role")
    assert row.detail == {"source": "ldap", "username": "wanggang", "reason": "no_role"}


def test_local_account_names_never_reach_the_directory_and_work_while_it_is_down(client, personas, ldap_settings):
    local = account_services.user_create(
        actor=None,
        username="localclash",
        password="Local-password-9",
        role_code="read_only",
        unit=personas.guangdong,
        creditors=[personas.creditor],
    )
    password_hash = local.password
    assert sign_in(client, "localclash", "Directory-secret-1").status_code == 200
    assert signed_in_user(client) is None
    local.refresh_from_db()
    assert (local.auth_source, local.role.code, local.password) == ("local", "read_only", password_hash)
    ldap_settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:1"
    assert sign_in(client, "localclash", "Local-password-9").status_code == 302
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"


def test_unreachable_directory_fails_the_sign_in_without_an_error_page(client, personas, ldap_settings):
    ldap_settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:1"
    response = sign_in(client, "zhangwei", "Zhang-secret-1")
    assert response.status_code == 200
    assert signed_in_user(client) is None
