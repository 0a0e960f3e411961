/* Dealbook page behaviour: progress bar, toasts, "/" for search, kanban drag and drop, file drop. */
(function () {
  "use strict";
  var csrf = function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  };

  // thin top progress bar on every htmx request
  var bar = document.createElement("div");
  bar.className = "htmx-progress";
  document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(bar); });
  var pending = 0;
  function start() { pending++; bar.className = "htmx-progress on"; }
  function stop() { pending = Math.max(0, pending - 1); if (!pending) { bar.className = "htmx-progress done"; } }
  document.addEventListener("htmx:beforeRequest", start);
  document.addEventListener("htmx:afterRequest", stop);
  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRFToken"] = csrf(); });

  // toasts
  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var t = document.createElement("div");
    t.className = "toast " + (kind || "");
    t.setAttribute("role", kind === "error" ? "alert" : "status");
    t.textContent = message;
    box.appendChild(t);
    setTimeout(function () { t.remove(); }, kind === "error" ? 7000 : 3500);
  }
  window.dealbookToast = toast;
  document.body && document.body.addEventListener("toast", function () {});
  document.addEventListener("toast", function (e) { toast(e.detail.message || e.detail.value, e.detail.kind); });
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, msg = "";
    try { msg = JSON.parse(xhr.responseText).detail; } catch (err) { msg = ""; }
    toast(msg || (xhr.status + " " + xhr.statusText), "error");
  });
  // 4xx responses that carry a re-rendered form (errors at the field) are swapped in like 200s
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 400 || e.detail.xhr.status === 409 || e.detail.xhr.status === 403) {
      if (e.detail.xhr.getResponseHeader("X-Form-Errors")) { e.detail.shouldSwap = true; e.detail.isError = false; }
    }
  });

  // "/" focuses the global search; Escape leaves it
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "/" && tag !== "input" && tag !== "textarea" && tag !== "select" && !e.target.isContentEditable) {
      var box = document.getElementById("global-search");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    }
    if (e.key === "Escape" && e.target.id === "global-search") {
      e.target.value = ""; var r = document.getElementById("search-results"); if (r) r.innerHTML = ""; e.target.blur();
    }
  });
  document.addEventListener("click", function (e) {
    var r = document.getElementById("search-results");
    if (r && !e.target.closest(".search")) r.innerHTML = "";
  });

  function post(url, data) {
    var body = new FormData();
    Object.keys(data).forEach(function (k) { if (data[k] !== undefined && data[k] !== null) body.append(k, data[k]); });
    start();
    return fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return { detail: r.status + " " + r.statusText }; }).then(function (j) { j._ok = r.ok; return j; }); })
      .finally(stop);
  }

  // a dialog asking for the loss reason; resolves with {reason, comment} or null
  function askLostReason() {
    var dlg = document.getElementById("lost-dialog");
    if (!dlg) return Promise.resolve(null);
    var form = dlg.querySelector("form");
    form.reset();
    dlg.querySelector(".error").textContent = "";
    return new Promise(function (resolve) {
      function done(value) { dlg.removeEventListener("close", onClose); resolve(value); }
      function onClose() {
        if (dlg.returnValue === "ok") {
          done({ reason: form.elements.lost_reason.value, comment: form.elements.lost_comment.value });
        } else { done(null); }
      }
      dlg.addEventListener("close", onClose);
      dlg.showModal();
    });
  }
  window.dealbookAskLostReason = askLostReason;

  function updateHeaders(headers) {
    (headers || []).forEach(function (h) {
      var col = document.querySelector('.column[data-stage="' + h.stage_id + '"]');
      if (!col) return;
      var c = col.querySelector("[data-count]"), s = col.querySelector("[data-sum]");
      if (c) c.textContent = h.count;
      if (s) s.textContent = h.sum;
    });
  }

  function initBoard(board) {
    if (!window.Sortable || board.dataset.ready) return;
    board.dataset.ready = "1";
    board.querySelectorAll(".column-body").forEach(function (body) {
      new Sortable(body, {
        group: "deals", animation: 120, draggable: ".deal-card", ghostClass: "sortable-ghost", chosenClass: "sortable-chosen",
        filter: ".load-more, .quick-create", preventOnFilter: false,
        // while a card is dragged the Won / Lost bar at the bottom lights up
        onStart: function () { board.classList.add("dragging"); },
        onEnd: function (evt) {
          board.classList.remove("dragging");
          var item = evt.item, from = evt.from, to = evt.to;
          if (from === to) return;  // order within a stage is not stored
          var column = to.closest(".column");
          var snapBack = function (message) {
            from.insertBefore(item, from.children[evt.oldIndex] || null);
            if (message) toast(message, "error");
          };
          var send = function (extra) {
            var data = { stage: column.dataset.stage };
            if (extra) { data.lost_reason = extra.reason; data.lost_comment = extra.comment; }
            // the board's filters go along so the headers that come back stay narrowed ("mine", D6)
            var url = item.dataset.moveUrl + (board.dataset.filterQuery ? "?" + board.dataset.filterQuery : "");
            post(url, data).then(function (res) {
              if (!res._ok) { snapBack(res.detail); return; }
              updateHeaders(res.headers);
              if (res.card) { var tmp = document.createElement("div"); tmp.innerHTML = res.card.trim(); var fresh = tmp.firstChild; item.replaceWith(fresh); }
              toast(res.message, "success");
            }).catch(function () { snapBack(board.dataset.networkError); });
          };
          if (column.dataset.kind === "lost") {
            askLostReason().then(function (answer) { if (answer) send(answer); else snapBack(null); });
          } else { send(null); }
        }
      });
    });
  }

  // deal card: drop files onto the zone to upload them through the form
  function initDrop(zone) {
    if (zone.dataset.ready) return;
    zone.dataset.ready = "1";
    var form = zone.closest("form"), input = form.querySelector('input[type="file"]');
    ["dragenter", "dragover"].forEach(function (n) { zone.addEventListener(n, function (e) { e.preventDefault(); zone.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function (n) { zone.addEventListener(n, function (e) { e.preventDefault(); zone.classList.remove("over"); }); });
    zone.addEventListener("drop", function (e) {
      if (!e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      if (window.htmx) htmx.trigger(form, "submit"); else form.submit();
    });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-board]").forEach(initBoard);
    (root || document).querySelectorAll(".dropzone").forEach(initDrop);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });

  // the stage progress bar on the deal card: lost asks for the reason first
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-lost-move]");
    if (!btn) return;
    e.preventDefault();
    askLostReason().then(function (answer) {
      if (!answer) return;
      htmx.ajax("POST", btn.dataset.url, { target: "#deal-head", swap: "outerHTML", values: { stage: btn.dataset.stage, lost_reason: answer.reason, lost_comment: answer.comment } });
    });
  });
})();

// a dialog the server sends already open (a form back with its errors, "?new=1") shows as a modal,
// in view above the page like one the user opened; without script it stays open where it is
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); d.showModal(); });
});
