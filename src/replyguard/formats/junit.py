"""JUnit XML: one ``<testcase>`` per unit (a case of ``check --cases``, a template of
``lint-templates``); a ``<failure>`` per finding at or above ``--fail-on``, an ``<error>``
for a unit that could not be checked. Findings below the threshold go to ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..models import Severity
from . import WholeRunFormat, register
from .located import Run, relative_uri


def format_junit(run: Run, fail_on: Severity = Severity.error) -> str:
    suites = ET.Element("testsuites", name=run.suite)
    suite = ET.SubElement(suites, "testsuite", name=run.suite)
    tests = failures = errors = 0
    for unit in run.units:
        tests += 1
        file = relative_uri(unit.file)
        case = ET.SubElement(suite, "testcase", name=unit.name, classname=file, file=file)
        if unit.line:
            case.set("line", str(unit.line))
        if unit.error:
            errors += 1
            ET.SubElement(case, "error", message=unit.error, type="input-error").text = unit.error
        failing = [f for f in unit.findings if f.severity.rank >= fail_on.rank
                   and not (unit.error and f.message == unit.error)]
        below = [f for f in unit.findings if f.severity.rank < fail_on.rank]
        if failing:
            failures += 1
        for f in failing:
            where = f"{relative_uri(f.file)}:{f.line or 1}"
            el = ET.SubElement(case, "failure", message=f.message, type=f.rule)
            el.text = f"{where}: {f.severity.value}: {f.rule}: {f.message}"
        if below:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{relative_uri(f.file)}:{f.line or 1}: {f.severity.value}: {f.rule}: {f.message}"
                for f in below)
    for el in (suites, suite):
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


@register
class Junit(WholeRunFormat):
    name = "junit"
    summary = "JUnit XML, a testcase per case or template, failures at --fail-on (CI)"
    order = 5
    media_type = "application/xml"

    def render(self, run: Run) -> str:
        return format_junit(run, self.fail_on)
