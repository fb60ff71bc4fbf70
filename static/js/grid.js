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
  var inflight = 0;

  function rowOf(element) {
    return element && element.closest ? element.closest("tbody.grid-row") : null;
  }

  function editableCells() {
    return Array.prototype.slice.call(
      grid.querySelectorAll("input[data-cell]:not([disabled])")
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

  function tenths(value) {
    var trimmed = value.trim();
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
    row.querySelectorAll(".score-input").forEach(function (input) {
      var value = tenths(input.value);
      var max = Math.round(Number(input.dataset.max) * 10);
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

  function updateCounts() {
    var counter = document.querySelector("[data-count-saved]");
    if (counter) {
      // Rows whose employee has a sheet of the day (an error leaves the saved one as it was).
      counter.textContent = grid.querySelectorAll(
        'tbody.grid-row .row-status[data-has-sheet="1"]'
      ).length;
    }
  }

  // Mirror the server's answer (status element and error boxes) onto the row.
  function syncRow(row) {
    var status = statusOf(row);
    if (status) {
      row.dataset.state = status.dataset.state;
    }
    row.querySelectorAll("[data-error-for]").forEach(function (error) {
      var name = error.dataset.errorFor;
      var input = row.querySelector('input[name="' + name + '"]:not([type="hidden"])');
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
    }
    updateTotal(row);
    updateCounts();
  }

  function saveRow(row) {
    if (row && !readOnly && window.htmx) {
      window.htmx.trigger(row, "save-row");
    }
  }

  // --- Keyboard ----------------------------------------------------------------

  function verticalTarget(input, step) {
    var column = input.dataset.col;
    var row = rowOf(input);
    for (;;) {
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
      if (!row || !row.matches("tbody.grid-row")) {
        return null;
      }
      var target =
        row.querySelector('input[data-cell][data-col="' + column + '"]:not([disabled])') ||
        (column === "5" ? row.querySelector('input[data-cell][data-col="4"]:not([disabled])') : null);
      if (target) {
        return target;
      }
    }
  }

  grid.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-cell]")) {
      event.target.select();
    }
  });

  grid.addEventListener("input", function (event) {
    if (event.target.matches(".score-input")) {
      updateTotal(rowOf(event.target));
    }
  });

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches("input[data-cell]") || event.isComposing || event.keyCode === 229) {
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
    inflight += 1;
    showState(row, "saving", text.saving);
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var row = rowOf(event.detail.elt);
    if (!row || !grid.contains(row)) {
      return;
    }
    inflight = Math.max(0, inflight - 1);
    if (!event.detail.successful) {
      showState(row, "error", text.failed);
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
    var number = row.querySelector(".col-number");
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

  // --- Start ----------------------------------------------------------------------

  grid.querySelectorAll("tbody.grid-row").forEach(updateTotal);
  if (!readOnly) {
    var first =
      grid.querySelector('tbody.grid-row[data-state="unsaved"] input[data-cell]:not([disabled])') ||
      grid.querySelector("input[data-cell]:not([disabled])");
    focusCell(first);
  }
})();
