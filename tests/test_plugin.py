"""The pytest plugin: claims as test items, failures with file, counterexample and seed."""

from conftest import claim_text

pytest_plugins = ["pytester"]

GOOD = claim_text("good", "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: sqrt(x) <= (x + 1) / 2\n    n: 5\n")
BROKEN = claim_text("broken", "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: sqrt(x) >= (x + 1) / 2\n    n: 5\n")
FALSE_AS_EXPECTED = claim_text("noted", "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: x >= 2\n    n: 5\n",
                               expect="fails", extra="corrected_by: good\n")


def test_claims_are_items(pytester):
    claims = pytester.mkdir("claims")
    (claims / "good.yaml").write_text(GOOD)
    (claims / "broken.yaml").write_text(BROKEN)
    (claims / "noted.yaml").write_text(FALSE_AS_EXPECTED)
    result = pytester.runpytest_subprocess("claims", "--junitxml=out.xml", "-k", "good or broken or noted")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*broken.yaml:1: broken: refuted (expected holds)*",
                                 "*counterexample (*): x = *", "*lhs = *, rhs = *, margin *", "*replay: verify check */claims/broken.yaml --seed*"])
    xml = (pytester.path / "out.xml").read_text()
    assert 'name="status" value="refuted"' in xml and 'name="status" value="proved"' in xml  # z3 proves AM-GM


def test_k_selects_by_id(pytester):
    claims = pytester.mkdir("claims")
    (claims / "good.yaml").write_text(GOOD)
    (claims / "broken.yaml").write_text(BROKEN)
    result = pytester.runpytest_subprocess("claims", "-k", "good")
    result.assert_outcomes(passed=1, deselected=1)


def test_invalid_claim_is_a_collection_error_without_a_traceback(pytester):
    claims = pytester.mkdir("claims")
    (claims / "bad.yaml").write_text(GOOD.replace("uses: []", "uess: []"))
    (claims / "worse.yaml").write_text(GOOD.replace("id: good", "id: worse").replace("checks:", "checks: [\n"))
    result = pytester.runpytest_subprocess("claims")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*ERROR collecting claims/bad.yaml*",
                                 "*/claims/bad.yaml:6:1: unknown key 'uess' (did you mean 'uses'?)",
                                 "    hint: allowed keys here: *",
                                 "*ERROR collecting claims/worse.yaml*", "*/claims/worse.yaml:12:3: YAML syntax error: *"])
    assert "Traceback" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()
    assert result.ret == 2  # interrupted: errors during collection


def test_xdist_and_last_failed(pytester):
    claims = pytester.mkdir("claims")
    (claims / "good.yaml").write_text(GOOD)
    (claims / "broken.yaml").write_text(BROKEN)
    result = pytester.runpytest_subprocess("claims", "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    result = pytester.runpytest_subprocess("claims", "--lf")
    result.assert_outcomes(failed=1, passed=0)
    result = pytester.runpytest_subprocess("claims", "-x", "-p", "no:randomly")
    assert result.ret == 1


def test_claims_in_any_folder_are_collected_by_content(pytester):
    held = pytester.mkdir("held")
    (held / "good.yaml").write_text(GOOD)
    (held / "broken.yaml").write_text(BROKEN)
    (held / "config.yaml").write_text("name: not a claim\nsteps: [1, 2]\n")  # left alone
    result = pytester.runpytest_subprocess("held")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*replay: verify check */held/broken.yaml --seed*"])


def test_a_folder_without_claims_is_named(pytester):
    folder = pytester.mkdir("notes")
    (folder / "settings.yaml").write_text("name: not a claim\n")
    result = pytester.runpytest_subprocess("notes")
    assert result.ret == 5  # no tests collected
    result.stdout.fnmatch_lines(["*verify: no claim files in notes (1 YAML file there do*not look like claims*"])


def test_ini_option_collects_every_yaml_file_of_its_paths(pytester):
    held = pytester.mkdir("held")
    (held / "good.yaml").write_text(GOOD)
    # not recognisable by content (no id:), but listed: collected, and its problems are reported
    (held / "half.yaml").write_text("kind: lemma\ntitle: unfinished\n")
    pytester.makeini("[pytest]\nverify_claims = held\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["collected 1 item / 1 error", "*ERROR collecting held/half.yaml*",
                                 "*half.yaml:1:1: missing required key 'id'*"])
