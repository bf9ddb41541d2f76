"""The group map of bank sign-on (pure: no database)."""

from __future__ import annotations

import pytest

from loanlit.accounts.sso.mapping import (
    MappingConfig,
    MapSyntaxError,
    Refusal,
    group_short_name,
    normalize_group,
    parse_code_list,
    parse_group_map,
    resolve,
)

ROLES = parse_group_map(
    "CN=Legal,OU=Groups,DC=bank,DC=cn => legal_manager | CN=Handlers,OU=Groups,DC=bank,DC=cn => case_handler"
    " | Readers => read_only"
)
UNITS = parse_group_map("CN=Beijing,OU=Groups,DC=bank,DC=cn => BJ | CN=Guangdong,OU=Groups,DC=bank,DC=cn => GD")
CONFIG = MappingConfig(group_roles=ROLES, group_units=UNITS, default_unit="HO", default_creditors=("BANK-A",))


def test_map_keeps_commas_of_distinguished_names_and_the_order_of_entries():
    assert ROLES == (
        ("cn=legal,ou=groups,dc=bank,dc=cn", "legal_manager"),
        ("cn=handlers,ou=groups,dc=bank,dc=cn", "case_handler"),
        ("readers", "read_only"),
    )


def test_empty_map_and_stray_separators_give_no_entries():
    assert parse_group_map("") == ()
    assert parse_group_map(" | a=>b | ") == (("a", "b"),)


@pytest.mark.parametrize("text", ["CN=Legal,DC=bank", "=> legal_manager", "CN=Legal =>", "a => b | broken"])
def test_malformed_map_entry_is_a_syntax_error(text):
    with pytest.raises(MapSyntaxError):
        parse_group_map(text)


def test_distinguished_names_compare_without_case_or_spaces_after_commas():
    assert normalize_group(" CN=Legal, OU=Groups ,DC=Bank,DC=CN ") == "cn=legal,ou=groups,dc=bank,dc=cn"
    assert normalize_group("Legal Team") == "legal team"
    assert group_short_name("CN=Legal\\, Beijing,OU=Groups") == "legal, beijing"
    assert group_short_name("/Loanlit/Legal") == "/loanlit/legal"


def test_first_listed_mapping_wins_when_several_groups_match():
    groups = ["cn=handlers,ou=groups,dc=bank,dc=cn", "CN=Legal, OU=Groups, DC=bank, DC=cn"]
    result = resolve(groups, CONFIG)
    assert result.role_code == "legal_manager"
    assert result.refusal is None


def test_plain_group_name_in_the_map_matches_a_group_dn_by_its_name():
    result = resolve(["CN=Readers,OU=Other,DC=bank,DC=cn"], CONFIG)
    assert (result.role_code, result.unit_code, result.creditor_codes) == ("read_only", "HO", ("BANK-A",))


def test_unit_comes_from_the_first_matching_unit_group():
    groups = ["CN=Guangdong,OU=Groups,DC=bank,DC=cn", "CN=Beijing,OU=Groups,DC=bank,DC=cn", "Readers"]
    assert resolve(groups, CONFIG).unit_code == "BJ"


def test_no_matching_role_group_is_refused():
    result = resolve(["CN=Beijing,OU=Groups,DC=bank,DC=cn", "Everyone"], CONFIG)
    assert result.refusal is Refusal.NO_ROLE
    assert result.role_code is None


def test_no_unit_group_and_no_default_unit_is_refused():
    config = MappingConfig(group_roles=ROLES, default_creditors=("BANK-A",))
    assert resolve(["Readers"], config).refusal is Refusal.NO_UNIT


def test_creditors_are_the_union_of_matching_groups_else_the_default():
    config = MappingConfig(
        group_roles=ROLES,
        default_unit="HO",
        group_creditors=parse_group_map("Readers => BANK-A, BANK-B | CN=Legal,OU=Groups,DC=bank,DC=cn => BANK-C"),
        default_creditors=("BANK-Z",),
    )
    both = resolve(["Readers", "CN=Legal,OU=Groups,DC=bank,DC=cn"], config)
    assert both.creditor_codes == ("BANK-A", "BANK-B", "BANK-C")
    assert resolve(["CN=Handlers,OU=Groups,DC=bank,DC=cn"], config).creditor_codes == ("BANK-Z",)


def test_no_creditor_at_all_is_refused():
    config = MappingConfig(group_roles=ROLES, default_unit="HO")
    assert resolve(["Readers"], config).refusal is Refusal.NO_CREDITOR


def test_code_list_ignores_blanks():
    assert parse_code_list(" BANK-A, ,BANK-B ") == ("BANK-A", "BANK-B")
