"""The scenario loader: valid files become frozen objects; every broken file names its defect."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import SiteKind, load_scenario

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"


def test_tiny_scenario_loads_with_defaults_for_empty_sections(tiny_toml: Path) -> None:
    """Empty [network]/[costs] sections mean defaults; CSV blanks mean 'no limit' or zero."""
    s = load_scenario(tiny_toml)
    assert s.name == "tiny"
    assert s.road_factor == 1.3  # [network] is empty
    assert s.costs.holding_rate_per_year == 0.25  # [costs] is empty
    assert s.policy.max_store_distance_km == 1000
    assert [x.id for x in s.network.fw_candidates] == ["FW-A", "FW-B"]
    assert len(s.network.stores) == 4
    assert s.network.cdc.id == "CDC"
    assert math.isinf(s.network.site("S1").capacity_units)
    assert s.network.regions == ("CD", "CQ")
    assert s.history.quantity.shape == (2, 3, 52)
    # seasonality: listed cells set, the rest 1
    cat = s.network.categories.index("t_shirt")
    assert s.network.seasonality[1, cat, 29] == 2.0
    assert s.network.seasonality[0, cat, 29] == 1.0


def test_domain_objects_are_frozen(tiny_toml: Path) -> None:
    """Frozen dataclasses and read-only arrays: variants only through replace()."""
    s = load_scenario(tiny_toml)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.seed = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        s.history.quantity[0, 0, 0] = 5
    assert s.replace(seed=3).seed == 3
    assert s.seed == 7
    assert s.network.site("FW-A").kind is SiteKind.FW


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("missing_column", r"sites_missing_column\.csv: missing column\(s\) lat"),
        ("negative_demand", r"history_negative_demand\.csv: row 5: field 'quantity': negative"),
        ("no_coordinates", r"sites_no_coordinates\.csv: row 7: field 'lon': missing value"),
        ("unknown_sku", r"history_unknown_sku\.csv: row 7: field 'sku': unknown SKU .*'K99'"),
        ("duplicate_site", r"sites_duplicate_id\.csv: row 6: duplicate site id 'S1'"),
        ("unknown_region",
         r"affinity_unknown_region\.csv: row 3: field 'region': unknown region 'XX'"),
        ("store_region_typo",
         r"sites_unknown_region\.csv: row 7: field 'region': unknown region 'ZZ' of site 'S3'; "
         r"expected one of the regions of .*seasonality\.csv: CD, CQ"),
        ("negative_capacity",
         r"sites_negative_capacity\.csv: row 4: field 'capacity_units': .*greater than or equal"),
    ],
)
def test_broken_scenario_names_file_row_and_field(case: str, pattern: str) -> None:
    """Each shipped broken scenario fails with one line naming the file, row and field."""
    with pytest.raises(InputError) as err:
        load_scenario(BROKEN / f"{case}.toml")
    msg = str(err.value)
    assert "\n" not in msg
    assert re.search(pattern, msg), msg


def test_bad_toml_key_is_named(tmp_path: Path, tiny_toml: Path) -> None:
    """A wrong value in the TOML names its dotted key."""
    text = tiny_toml.read_text().replace("horizon_days = 28", "horizon_days = -4")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    (tmp_path / "x").mkdir()
    with pytest.raises(InputError, match=r"key 'scenario\.horizon_days'"):
        load_scenario(bad)


def test_unknown_toml_key_and_missing_vehicles(tmp_path: Path) -> None:
    """Typos are refused (not ignored) and a fleet for both echelons is required."""
    bad = tmp_path / "s.toml"
    bad.write_text('[scenario]\nname = "x"\nsede = 3\n')
    with pytest.raises(InputError, match=r"key 'scenario\.sede'"):
        load_scenario(bad)
    bad.write_text('[scenario]\nname = "x"\n')
    with pytest.raises(InputError, match=r"key 'vehicles'.*cdc_fw"):
        load_scenario(bad)


def test_missing_file_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "b.toml"
    bad.write_text("[scenario\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(bad)


def test_history_rows_land_in_the_right_cells(tiny_toml: Path) -> None:
    """The tiny history has K2 at 2/day per region: 28 units in every week."""
    s = load_scenario(tiny_toml)
    k2 = [k.id for k in s.network.skus].index("K2")
    assert np.all(s.history.quantity[:, k2, :] == 28)


def test_demand_rate_applies_season_promotion_and_size(tiny_toml: Path) -> None:
    """Double 11 doubles every store's expected demand; Chongqing tees get their summer peak."""
    from datetime import date

    from fwdnet.logistics.network import DemandModel

    s = load_scenario(tiny_toml)
    model = DemandModel.from_network(s.network)
    base = model.store_base()
    assert np.allclose(model.rate(date(2026, 11, 5)), 2.0 * model.rate(date(2026, 11, 20)))
    assert np.allclose(model.rate(date(2026, 11, 20)), base)  # week 47: no season cell set
    tee = [k.id for k in s.network.skus].index("K2")
    summer = model.rate(date(2026, 7, 22))  # ISO week 30, after the CQ summer sale
    cq = [i for i, x in enumerate(s.network.stores) if x.region == "CQ"]
    cd = [i for i, x in enumerate(s.network.stores) if x.region == "CD"]
    assert np.allclose(summer[cq, tee], 2.0 * base[cq, tee])
    assert np.allclose(summer[cd, tee], base[cd, tee])


def _tiny_copy(tmp_path: Path, tiny_toml: Path, network: str = "") -> Path:
    """The tiny scenario copied to tmp_path with its [network] section replaced."""
    import shutil

    for f in tiny_toml.parent.iterdir():
        shutil.copy(f, tmp_path / f.name)
    toml = tmp_path / "tiny.toml"
    toml.write_text(tiny_toml.read_text().replace("[network]\n", f"[network]\n{network}\n"))
    return toml


def test_declared_regions_key_replaces_the_seasonality_list(tmp_path: Path,
                                                            tiny_toml: Path) -> None:
    """`[network] regions` is the list sites may name: a region outside it is refused even
    though the seasonality file has it, and a listed region loads."""
    toml = _tiny_copy(tmp_path, tiny_toml, 'regions = ["CD"]')
    with pytest.raises(InputError, match=r"sites\.csv: row 4: field 'region': unknown region "
                                         r"'CQ' of site 'FW-B'; expected one of .*\[network\] "
                                         r"regions: CD$"):
        load_scenario(toml)
    toml = _tiny_copy(tmp_path, tiny_toml, 'regions = ["CD", "CQ", "XC"]')
    assert load_scenario(toml).network.regions == ("CD", "CQ")


def test_a_region_missing_from_the_seasonality_file_is_an_error(tmp_path: Path,
                                                                tiny_toml: Path) -> None:
    """Without `[network] regions`, the seasonality file declares the regions: a site in a
    region it never lists is named, with the file it was checked against."""
    toml = _tiny_copy(tmp_path, tiny_toml)
    season = tmp_path / "seasonality.csv"
    season.write_text("\n".join(x for x in season.read_text().splitlines()
                                if not x.startswith("CQ,")) + "\n")
    with pytest.raises(InputError, match=r"sites\.csv: row 4: .*unknown region 'CQ' of site "
                                         r"'FW-B'; expected one of the regions of "):
        load_scenario(toml)
