/*
 * The day grid of the daily sheets (templates/appraisal/day_grid.html).
 *
 * - Enter moves to the next cell (at the end of a row to the next row's first
 *   cell, saving a pre-filled row that was never saved, except when recording
 *   spot checks); Shift+Enter goes back;
 *   ArrowUp/ArrowDown move within the column; Tab keeps its usual order, which
 *   also reaches the row's buttons; Ctrl+Enter saves the row.
 * - Focusing a cell selects its content, so typing replaces the value.
 * - The row's total follows the inputs as they are typed.
 * - Each row (a <tbody>) posts itself through htmx on "change"; this script
 *   shows "saving", then mirrors the server's answer (status and cell errors)
 *   onto the row and its inputs. The inputs themselves are never swapped, so
 *   focus and half-typed values survive.
 * - The details dialog edits the criteria items of a row and shows its history.
 * - Full-width digits (typed with a Chinese input method) become ASCII as they
 *   are typed, so that the total follows them.
 * - The counter counts the rows shown as saved and the rows refused; the "full
 *   marks for the rest" button counts the rows still without a sheet.
 * - Leaving the page with typed values not yet sent, or with refused rows, asks
 *   first (beforeunload covers links, reloads and the address bar alike).
 * - When the server asks for a reason (a sheet of an earlier day), the focus
 *   goes to the reason box.
 * - The rows are lean (a department may have 2,000 employees): what every row
 *   would repeat is on the table and the header. This script gives the cells
 *   their labels, `inputmode` and `autocomplete`, posts a row to the table's
 *   `data-row-url` with its employee in it, and adds a row's empty error boxes
 *   before its first save, for the answer to fill in.
 */
(function () {
  "use strict";

  var grid = document.getElementById("day-grid");
  if (!grid) {
    return;
  }
  var readOnly = grid.dataset.readOnly === "1";
  // Spot checks are recorded one by one: walking through a row never saves it.
  var spotMode = grid.dataset.spot === "1";
  var text = {
    saving: grid.dataset.textSaving || "…",
    failed: grid.dataset.textFailed || "✗",
  };
  var SCORE = /^(\d+(\.\d)?|\.\d)$/;
  // Full-width digits and full stops (０-９, ．, 。) as typed with a Chinese input method.
  var FULL_WIDTH = /[\uFF10-\uFF19\uFF0E\u3002]/g;
  var inflight = 0;
  // The score columns, from the header: their maxima (in tenths) and labels.
  var maxima = {};
  var columnLabels = [];
  grid.querySelectorAll("thead [data-column]").forEach(function (th) {
    maxima[th.dataset.column] = Math.round(Number(th.dataset.max) * 10);
    columnLabels.push(th.dataset.label);
  });
  columnLabels.push(grid.dataset.textNote || "");

  function isScore(element) {
    return element.tagName === "INPUT" && element.hasAttribute("data-cell") &&
      Object.prototype.hasOwnProperty.call(maxima, element.name);
  }

  function isNote(element) {
    return element.tagName === "TEXTAREA" && element.name === "note";
  }

  function cellsOf(row) {
    return row.querySelectorAll("[data-cell]");
  }

  function scoresOf(row) {
    return Array.prototype.filter.call(cellsOf(row), isScore);
  }

  function rowOf(element) {
    return element && element.closest ? element.closest("tbody.grid-row") : null;
  }

  function editableCells() {
    return Array.prototype.slice.call(
      grid.querySelectorAll("[data-cell]:not([disabled])")
    );
  }

  function focusCell(input) {
    if (!input) {
      return;
    }
    input.focus();
    input.select();
  }

  // --- Totals --------------------------------------------------------------

  function ascii(value) {
    return value.replace(FULL_WIDTH, function (character) {
      var code = character.charCodeAt(0);
      return code >= 0xff10 && code <= 0xff19 ? String.fromCharCode(code - 0xfee0) : ".";
    });
  }

  // Every replacement is one character for one, so the caret stays where it was.
  function normaliseInput(input) {
    var value = ascii(input.value);
    if (value === input.value) {
      return;
    }
    var start = input.selectionStart;
    var end = input.selectionEnd;
    input.value = value;
    input.setSelectionRange(start, end);
  }

  function tenths(value) {
    var trimmed = ascii(value).trim();
    if (!SCORE.test(trimmed)) {
      return null;
    }
    var parts = trimmed.split(".");
    return parseInt(parts[0] || "0", 10) * 10 + (parts[1] ? parseInt(parts[1], 10) : 0);
  }

  function formatTenths(value) {
    return value % 10 ? Math.floor(value / 10) + "." + (value % 10) : String(value / 10);
  }

  function updateTotal(row) {
    var sum = 0;
    var ok = true;
    scoresOf(row).forEach(function (input) {
      var value = tenths(input.value);
      var max = maxima[input.name];
      if (value === null || value > max) {
        ok = false;
        input.classList.remove("deducted");
        return;
      }
      sum += value;
      input.classList.toggle("deducted", value < max);
    });
    var cell = row.querySelector("[data-total]");
    if (cell) {
      cell.textContent = ok ? formatTenths(sum) : "—";
      cell.classList.toggle("grid-total-bad", !ok);
    }
  }

  // --- Row state -------------------------------------------------------------

  function statusOf(row) {
    return row.querySelector(".row-status");
  }

  function showState(row, state, label) {
    var status = statusOf(row);
    row.dataset.state = state;
    if (!status) {
      return;
    }
    status.dataset.state = state;
    var labelElement = status.querySelector(".status-label");
    if (labelElement && label) {
      labelElement.textContent = label;
    }
    var button = status.querySelector(".row-save");
    if (button && state !== "unsaved") {
      button.hidden = true;
    }
  }

  function rowsIn(state) {
    return grid.querySelectorAll('tbody.grid-row[data-state="' + state + '"]').length;
  }

  // "Saved" counts what the rows show: a refused change is not saved, even
  // when an older sheet of the day stays in the database.
  function updateCounts() {
    var saved = document.querySelector("[data-count-saved]");
    if (saved) {
      saved.textContent = rowsIn("saved");
    }
    var refused = rowsIn("error");
    var refusedText = document.querySelector("[data-count-refused-text]");
    if (refusedText) {
      refusedText.querySelector("[data-count-refused]").textContent = refused;
      refusedText.hidden = refused === 0;
    }
    updateFillButton();
  }

  // Only rows still without a sheet get full marks: refused rows are skipped
  // and rows being saved are about to have one.
  function updateFillButton() {
    var form = document.getElementById("fill-form");
    var button = document.getElementById("fill-button");
    if (!form || !button) {
      return;
    }
    var left = rowsIn("unsaved");
    button.dataset.left = left;
    button.disabled = left === 0;
    if (left === 0) {
      button.textContent = form.dataset.labelNone;
    } else if (left === 1) {
      button.textContent = form.dataset.labelOne;
    } else {
      button.textContent = form.dataset.labelMany.replace("987", String(left));
    }
  }

  // --- Unsent changes ----------------------------------------------------------

  function snapshot(row) {
    return JSON.stringify(
      Array.prototype.map.call(
        row.querySelectorAll("[data-cell], .row-criteria input"),
        function (input) {
          return input.name + "=" + input.value;
        }
      )
    );
  }

  function markSent(row) {
    row.dataset.sent = snapshot(row);
  }

  function atRisk() {
    return Array.prototype.some.call(grid.querySelectorAll("tbody.grid-row"), function (row) {
      var state = row.dataset.state;
      return state === "error" || state === "saving" || snapshot(row) !== row.dataset.sent;
    });
  }

  // Mirror the server's answer (status element and error boxes) onto the row.
  function syncRow(row) {
    var status = statusOf(row);
    if (status) {
      row.dataset.state = status.dataset.state;
    }
    row.querySelectorAll("[data-error-for]").forEach(function (error) {
      var name = error.dataset.errorFor;
      var input = row.querySelector('[name="' + name + '"]:not([type="hidden"])');
      var bad = error.textContent.trim() !== "";
      if (input) {
        input.classList.toggle("is-invalid", bad);
        input.setAttribute("aria-invalid", bad ? "true" : "false");
        if (bad) {
          input.setAttribute("aria-describedby", error.id);
        } else {
          input.removeAttribute("aria-describedby");
        }
      }
    });
    if (row.dataset.state === "saved") {
      // The reason explained the change just saved; the next change needs its own.
      row.querySelectorAll('input[name="reason"]').forEach(function (input) {
        input.value = "";
      });
      markSent(row);
    }
    var reasonError = row.querySelector('[data-error-for="reason"]');
    var reason = row.querySelector('input[name="reason"]');
    if (reason && reasonError && reasonError.textContent.trim() !== "") {
      // Enter has already moved on by the time the server asks for a reason: go back to it.
      reason.focus();
    }
    updateTotal(row);
    updateCounts();
  }

  // The boxes the answer to a save fills in (out of band, by id): added before a
  // row's first save rather than sent empty with every row of the page.
  function ensureErrorBoxes(row) {
    if (row.querySelector("[data-error-for]")) {
      return;
    }
    var pk = row.dataset.employee;
    function box(name) {
      var div = document.createElement("div");
      div.className = "cell-error";
      div.id = "err-" + pk + "-" + name;
      div.dataset.errorFor = name;
      return div;
    }
    cellsOf(row).forEach(function (cell) {
      cell.after(box(cell.name));
    });
    var note = row.querySelector('textarea[name="note"]');
    if (note && !document.getElementById("reason-" + pk)) {
      var reason = document.createElement("div");
      reason.id = "reason-" + pk;
      reason.className = "reason-wrap";
      reason.appendChild(box("reason"));
      note.nextElementSibling.after(reason);
    }
    var details = row.querySelector(".row-details");
    if (details) {
      details.after(box("criteria"));
    }
  }

  // Post the row (htmx, with the table's hx-include, hx-target, hx-swap and hx-sync).
  function saveRow(row, event) {
    if (!row || readOnly || !window.htmx || !grid.dataset.rowUrl) {
      return;
    }
    ensureErrorBoxes(row);
    var url = grid.dataset.rowUrl.replace("/0/", "/" + row.dataset.employee + "/");
    var request = window.htmx.ajax("POST", url, { source: row, event: event || null });
    if (request && request.catch) {
      request.catch(function () {}); // htmx:afterRequest shows the failure on the row
    }
  }

  grid.addEventListener("change", function (event) {
    var row = rowOf(event.target);
    if (row && event.target.matches("[data-cell], .row-criteria input")) {
      saveRow(row, event);
    }
  });

  // --- Keyboard ----------------------------------------------------------------

  // A cell's column is its place in the row: the four scores, the note, the reason.
  function verticalTarget(input, step) {
    var row = rowOf(input);
    var column = Array.prototype.indexOf.call(cellsOf(row), input);
    for (;;) {
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
      if (!row || !row.matches("tbody.grid-row")) {
        return null;
      }
      var cells = cellsOf(row);
      // The reason box, where the next row has none, goes to the note.
      var target = cells[column] || (column === 5 ? cells[4] : null);
      if (target && !target.disabled) {
        return target;
      }
    }
  }

  grid.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-cell]")) {
      event.target.select();
    }
  });

  grid.addEventListener("input", function (event) {
    if (isScore(event.target)) {
      if (!event.isComposing) {
        normaliseInput(event.target);
      }
      updateTotal(rowOf(event.target));
    }
  });

  // CSS `field-sizing: content` grows the note with its text; elsewhere, do it here.
  var sizesItself = window.CSS && window.CSS.supports && window.CSS.supports("field-sizing", "content");

  function fitNote(note) {
    if (!sizesItself) {
      note.style.height = "auto";
      note.style.height = note.scrollHeight + 2 + "px";
    }
  }

  grid.addEventListener("input", function (event) {
    if (isNote(event.target)) {
      fitNote(event.target);
    }
  });

  grid.addEventListener("compositionend", function (event) {
    if (isScore(event.target)) {
      normaliseInput(event.target);
      updateTotal(rowOf(event.target));
    }
  });

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches("[data-cell]") || event.isComposing || event.keyCode === 229) {
      return; // an IME is composing Chinese text: Enter belongs to it
    }
    var row = rowOf(input);
    if (event.key === "Enter") {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) {
        saveRow(row);
        return;
      }
      var cells = editableCells();
      var next = cells[cells.indexOf(input) + (event.shiftKey ? -1 : 1)];
      var leavesRow = !next || rowOf(next) !== row;
      if (!event.shiftKey && leavesRow && !spotMode && row.dataset.state === "unsaved") {
        // Going through a whole pre-filled row with Enter accepts it.
        saveRow(row);
      }
      if (next) {
        focusCell(next);
      } else {
        input.select();
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var target = verticalTarget(input, event.key === "ArrowDown" ? 1 : -1);
      if (target) {
        event.preventDefault();
        focusCell(target);
      }
    }
  });

  grid.addEventListener("click", function (event) {
    var save = event.target.closest(".row-save");
    if (save) {
      saveRow(rowOf(save));
      return;
    }
    var details = event.target.closest(".row-details");
    if (details) {
      openDetails(rowOf(details), details);
    }
  });

  // --- htmx: saving state and the server's answer ---------------------------------

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event.detail.elt);
    if (!row || !grid.contains(row)) {
      return;
    }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (
      trigger &&
      trigger.type === "change" &&
      row.dataset.state === "saved" &&
      snapshot(row) === row.dataset.sent
    ) {
      // A value typed and sent with Ctrl+Enter fires "change" again when the
      // cell is left: the sheet already holds it, so do not save it twice.
      event.preventDefault();
      return;
    }
    inflight += 1;
    markSent(row);
    showState(row, "saving", text.saving);
    updateCounts();
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var row = rowOf(event.detail.elt);
    if (!row || !grid.contains(row)) {
      return;
    }
    inflight = Math.max(0, inflight - 1);
    if (!event.detail.successful) {
      showState(row, "error", text.failed);
      updateCounts();
      return;
    }
    syncRow(row);
  });

  // --- The details dialog: criteria items and history ------------------------------

  var modalElement = document.getElementById("details-modal");
  var detailsRow = null;
  var detailsButton = null;

  function openDetails(row, button) {
    if (!modalElement || !row) {
      return;
    }
    detailsRow = row;
    detailsButton = button;
    var number = row.querySelector("th");
    var name = row.querySelector(".employee-name");
    document.getElementById("details-title").textContent =
      (number ? number.textContent.trim() + " " : "") + (name ? name.textContent.trim() : "");
    var chosen = {};
    row.querySelectorAll('.row-criteria input[name="criteria"]').forEach(function (input) {
      chosen[input.value] = true;
    });
    modalElement.querySelectorAll(".criteria-choice").forEach(function (checkbox) {
      checkbox.checked = Boolean(chosen[checkbox.value]);
    });
    var history = document.getElementById("history-body");
    history.textContent = "…";
    if (window.htmx) {
      // The table carries the history URL of employee 0; put this row's employee in.
      var url = grid.dataset.historyUrl.replace("/0/", "/" + row.dataset.employee + "/");
      window.htmx.ajax("GET", url, { target: history, swap: "innerHTML" });
    }
    window.bootstrap.Modal.getOrCreateInstance(modalElement).show(button);
  }

  if (modalElement) {
    var apply = document.getElementById("details-apply");
    if (apply) {
      apply.addEventListener("click", function () {
        if (!detailsRow) {
          return;
        }
        var holder = detailsRow.querySelector(".row-criteria");
        var count = 0;
        holder.replaceChildren();
        modalElement.querySelectorAll(".criteria-choice:checked").forEach(function (checkbox) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = "criteria";
          input.value = checkbox.value;
          holder.appendChild(input);
          count += 1;
        });
        detailsRow.querySelector(".criteria-count").textContent = count;
        saveRow(detailsRow);
        window.bootstrap.Modal.getInstance(modalElement).hide();
      });
    }
    modalElement.addEventListener("hidden.bs.modal", function () {
      if (detailsButton) {
        detailsButton.focus();
      }
    });
  }

  // --- "Save full marks for the rest": wait for pending saves, skip rows in error ----

  var fillForm = document.getElementById("fill-form");
  if (fillForm) {
    fillForm.addEventListener("submit", function (event) {
      if (fillForm.dataset.ready === "1") {
        return;
      }
      event.preventDefault();
      var quiet = 0;
      (function waitForSaves() {
        quiet = inflight === 0 ? quiet + 1 : 0;
        if (quiet < 3) {
          window.setTimeout(waitForSaves, 60);
          return;
        }
        grid.querySelectorAll('tbody.grid-row[data-state="error"]').forEach(function (row) {
          var skip = document.createElement("input");
          skip.type = "hidden";
          skip.name = "skip";
          skip.value = row.dataset.employee;
          fillForm.appendChild(skip);
        });
        fillForm.dataset.ready = "1";
        fillForm.submit();
      })();
    });
  }

  // --- Leaving with unsent or refused rows ------------------------------------------

  if (!readOnly) {
    window.addEventListener("beforeunload", function (event) {
      if (atRisk()) {
        // Browsers show their own text; both lines are needed across browsers.
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // --- Start ----------------------------------------------------------------------

  // What every row would repeat: the cells' labels and keyboards, the buttons' names.
  function describeRow(row) {
    var nameElement = row.querySelector(".employee-name");
    var name = nameElement ? nameElement.textContent : "";
    Array.prototype.forEach.call(cellsOf(row), function (cell, index) {
      cell.setAttribute("autocomplete", "off");
      if (isScore(cell)) {
        cell.setAttribute("inputmode", "decimal");
      }
      if (!cell.hasAttribute("aria-label") && columnLabels[index] !== undefined) {
        cell.setAttribute("aria-label", name + " " + columnLabels[index]);
      }
    });
    var details = row.querySelector(".row-details");
    if (details) {
      var what = grid.dataset.textItems + ", " + grid.dataset.textRevisions;
      details.setAttribute("aria-label", name + ": " + what);
      details.title = what;
    }
    var other = row.querySelector(".other-sheet");
    if (other) {
      other.title = grid.dataset.textOther || "";
    }
  }

  grid.querySelectorAll("tbody.grid-row").forEach(function (row) {
    describeRow(row);
    row.querySelectorAll('textarea[name="note"]').forEach(fitNote);
    updateTotal(row);
    markSent(row);
  });
  updateCounts();
  if (!readOnly) {
    var first =
      grid.querySelector('tbody.grid-row[data-state="unsaved"] [data-cell]:not([disabled])') ||
      grid.querySelector("[data-cell]:not([disabled])");
    focusCell(first);
  }
})();
