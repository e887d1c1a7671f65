"""The accessibility check itself: axe-core fails a test on a serious or critical violation and names it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import accessibility_violations, assert_accessible

pytestmark = pytest.mark.browser

_BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<button data-testid="nameless"><svg width="10" height="10"></svg></button>
<p style="color:#bbb;background:#fff">Too faint to read</p>
</main></body></html>"""

_SOUND = """<!doctype html><html lang="en"><head><title>Sound</title></head><body><main>
<h1>Contacts</h1><button>Save</button><p style="color:#222;background:#fff">Readable</p>
</main></body></html>"""


def test_a_nameless_button_and_faint_text_fail_with_each_rule_named(new_page):
    page = new_page()
    page.set_content(_BROKEN)
    assert {violation["id"] for violation in accessibility_violations(page)} == {"button-name", "color-contrast"}
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page, "the broken page")
    report = str(failure.value)
    assert "accessibility violations on the broken page" in report
    assert "[critical] button-name" in report
    assert 'data-testid="nameless"' in report  # the element's own markup
    assert "[serious] color-contrast" in report


def test_a_sound_page_passes(new_page):
    page = new_page()
    page.set_content(_SOUND)
    assert_accessible(page)
