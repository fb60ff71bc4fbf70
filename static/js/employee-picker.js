// The event form's employee picker (templates/appraisal/events/new.html).
//
// The page works without this script: the input's <datalist> offers every
// employee as "工号 姓名 · 部门" and the server accepts a number, a name or
// such a line (appraisal/forms/events.py, EmployeePickerField). Here the
// datalist is turned into a list under the input that finds an employee by any
// part of the number, the name or the department, chosen with the mouse or with
// ↑/↓ and Enter, and the warning beside the picker shows when the employee is a
// supervisor (data-supervisor on their option).
(function () {
  "use strict";

  const MAX_SHOWN = 12;

  function setUp(input) {
    const datalist = document.getElementById(input.getAttribute("list"));
    const wrapper = input.closest(".employee-picker");
    const warning = document.querySelector("[data-supervisor-warning]");
    if (!datalist || !wrapper) {
      return;
    }
    const options = Array.from(datalist.options).map(function (option) {
      return {
        value: option.value,
        number: option.value.split(" ")[0].toLowerCase(),
        name: option.value.split(" ")[1] || "",
        supervisor: option.dataset.supervisor === "1",
        haystack: option.value.toLowerCase(),
      };
    });

    // This list replaces the browser's own datalist popup.
    input.removeAttribute("list");
    const list = document.createElement("ul");
    list.id = input.id + "-matches";
    list.className = "list-group employee-picker-list shadow-sm";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrapper.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    let shown = [];
    let active = -1;

    function chosen() {
      const text = input.value.trim().replace(/\s+/g, " ");
      if (!text) {
        return null;
      }
      const number = text.split(" ")[0].toLowerCase();
      const byNumber = options.filter(function (option) {
        return option.number === number;
      });
      if (byNumber.length === 1) {
        return byNumber[0];
      }
      const byName = options.filter(function (option) {
        return option.name === text;
      });
      return byName.length === 1 ? byName[0] : null;
    }

    function updateWarning() {
      if (warning) {
        const option = chosen();
        warning.hidden = !(option && option.supervisor);
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      Array.from(list.children).forEach(function (item, i) {
        item.classList.toggle("active", i === index);
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && list.children[index]) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      }
    }

    function pick(option) {
      input.value = option.value;
      close();
      updateWarning();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render() {
      const terms = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      list.replaceChildren();
      shown = [];
      active = -1;
      if (!terms.length) {
        close();
        return;
      }
      shown = options
        .filter(function (option) {
          return terms.every(function (term) {
            return option.haystack.includes(term);
          });
        })
        .slice(0, MAX_SHOWN);
      if (!shown.length) {
        const empty = document.createElement("li");
        empty.className = "list-group-item text-muted small";
        empty.dataset.noMatch = "";
        empty.textContent = wrapper.dataset.noMatch;
        list.appendChild(empty);
      }
      shown.forEach(function (option, index) {
        const item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.value = option.value;
        item.textContent = option.value;
        if (option.supervisor) {
          const badge = document.createElement("span");
          badge.className = "badge text-bg-warning ms-2";
          badge.textContent = wrapper.dataset.supervisorLabel;
          item.appendChild(badge);
        }
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
        });
        item.addEventListener("click", function () {
          pick(option);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (shown.length === 1) {
        highlight(0);
      }
    }

    input.addEventListener("input", function () {
      render();
      updateWarning();
    });
    input.addEventListener("change", updateWarning);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim()) {
          render();
          event.preventDefault();
        }
        return;
      }
      if (event.key === "ArrowDown" && shown.length) {
        highlight((active + 1) % shown.length);
        event.preventDefault();
      } else if (event.key === "ArrowUp" && shown.length) {
        highlight(active <= 0 ? shown.length - 1 : active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && active >= 0) {
        pick(shown[active]);
        event.preventDefault(); // Enter chooses; it does not send the form
      } else if (event.key === "Escape") {
        close();
        event.preventDefault();
      }
    });
    updateWarning();
  }

  document.querySelectorAll("input[data-employee-picker]").forEach(setUp);
})();
