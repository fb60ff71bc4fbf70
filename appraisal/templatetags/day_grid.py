"""The day grid's rows, written in Python: a department of 2,000 employees is one page.

Through the template engine each row cost about a millisecond and 4.4 KB; here
it costs a few microseconds and under 900 bytes. What every row repeats lives
once on the table (templates/appraisal/day_grid.html) and in static/js/grid.js:
the row's address (`data-row-url`), the htmx attributes, the columns' maxima and
labels, the cells' `aria-label`, `inputmode` and `autocomplete`, the titles, and
the empty error boxes, which grid.js adds to a row before its first save. The
cells carry no classes: static/css/grid.css styles `.grid-row [data-cell]`.

Every value from the database goes through `escape`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from appraisal.selectors.grid import DayGrid, GridRow

register = template.Library()

_CELL = '<td><input name="{code}" value="{value}" data-cell{disabled}></td>'
_ROW = (
    '<tbody class="grid-row" id="row-{pk}" data-employee="{pk}" data-state="{state}">'
    "<tr><th>{number}</th>"
    '<td><span class="employee-name">{name}</span> {other}'
    '<span class="row-criteria" hidden>{criteria}</span>{spot}</td>'
    "{cells}<td data-total>{total}</td>"
    '<td><textarea name="note" rows="1" maxlength="500" data-cell{disabled}>{note}</textarea></td>'
    '<td><button type="button" class="row-details">'
    '☰ <span class="criteria-count">{criteria_count}</span> '
    '↺ <span id="revs-{pk}">{revisions}</span></button></td>'
    "<td>{status}</td></tr></tbody>\n"
)


def _status_texts() -> dict[str, str]:
    """The status texts in the request's language, read once per page."""
    return {
        "saved": escape(_("Saved")),
        "not_saved": escape(_("Not saved")),
        "save": escape(_("Save")),
    }


def row_status(
    *,
    pk: int,
    state: str,
    has_sheet: bool | None,
    editable: bool,
    errors: Iterable[str] = (),
    texts: dict[str, str] | None = None,
) -> str:
    """A row's status: saved, not saved (with its save button) or refused with why.

    `has_sheet` (whether the sheet exists after a save) goes in the answer to a save;
    the page's rows leave it out (None): their `data-state` says it.
    """
    texts = texts or _status_texts()
    if state == "saved":
        inner = f'<span class="status-label">✓ {texts["saved"]}</span>'
    elif state == "error":
        inner = f'<span class="status-label">✗ {texts["not_saved"]}</span>' + "".join(
            f'<small class="status-message d-block">{escape(error)}</small>' for error in errors
        )
    else:
        inner = f'<span class="status-label">{texts["not_saved"]}</span>'
        if editable:
            inner += (
                f'<button type="button" class="row-save" tabindex="-1">{texts["save"]}</button>'
            )
    has = "" if has_sheet is None else f' data-has-sheet="{int(has_sheet)}"'
    return (
        f'<span id="status-{pk}" class="row-status" data-state="{state}"{has}'
        f' role="status">{inner}</span>'
    )


def _other_badge(row: GridRow, spot: bool, label: str) -> str:
    if row.other is None:
        return ""
    colour = "text-bg-light border" if spot else "text-bg-warning"
    return (
        f'<span class="badge {colour} other-sheet" data-other-total="{row.other_text}"'
        f' data-other-spot="{int(row.other.is_spot_check)}">{label} {row.other_text}</span>'
    )


def grid_row_html(
    row: GridRow, *, editable: bool, spot: bool, other_label: str, texts: dict[str, str]
) -> str:
    pk = row.employee.pk
    disabled = "" if editable else " disabled"
    return _ROW.format(
        pk=pk,
        state=row.state,
        number=escape(row.employee.number),
        name=escape(row.employee.name),
        other=_other_badge(row, spot, other_label),
        criteria="".join(
            f'<input type="hidden" name="criteria" value="{item}">' for item in row.criteria_ids
        ),
        spot='<input type="hidden" name="spot" value="1">' if spot else "",
        cells="".join(
            _CELL.format(code=cell.code, value=cell.text, disabled=disabled) for cell in row.cells
        ),
        total=row.total_text,
        note=escape(row.note),
        disabled=disabled,
        criteria_count=len(row.criteria_ids),
        revisions=row.revision_count,
        status=row_status(pk=pk, state=row.state, has_sheet=None, editable=editable, texts=texts),
    )


@register.simple_tag
def grid_rows(grid: DayGrid) -> SafeString:
    """Every row of the day grid, one `<tbody>` each."""
    other_label = escape(_("Department") if grid.spot else _("Spot check"))
    editable = not grid.read_only
    texts = _status_texts()
    # Every value above is escaped, or is a number or a column code.
    return mark_safe(
        "".join(
            grid_row_html(
                row, editable=editable, spot=grid.spot, other_label=other_label, texts=texts
            )
            for row in grid.rows
        )
    )


@register.simple_tag
def grid_row_status(
    row: GridRow, state: str, errors: Iterable[str] = (), editable: bool = True
) -> SafeString:
    """The status of one row, for the answer to a row's save."""
    return mark_safe(  # row_status escapes every text
        row_status(
            pk=row.employee.pk,
            state=state,
            has_sheet=row.is_saved,
            editable=editable,
            errors=errors or (),
        )
    )
