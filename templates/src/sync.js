// Region sync (/s/{room}): shows the room's region of the shared page and lets any
// participant pick a new one. States arrive over /v1/ws as sync.region frames; the one
// with the highest version wins. The view is an outer box of the region's size holding
// the page's large inner frame shifted by -x/-y, so the region is live, clickable HTML.
"use strict";
(function () {
  var root = document.getElementById("sync");
  if (!root) return;
  var d = root.dataset;
  var innerW = Number(d.innerWidth), innerH = Number(d.innerHeight);
  var view = document.getElementById("sync-view");
  var picker = document.getElementById("sync-picker");
  var overlay = document.getElementById("sync-overlay");
  var box = document.getElementById("sync-box");
  var pickBtn = document.getElementById("sync-pick");
  var confirmBtn = document.getElementById("sync-confirm");
  var status = document.getElementById("sync-status");
  var state = { url: d.url, version: Number(d.version), region: null };
  if (d.width) state.region = { x: +d.x, y: +d.y, width: +d.width, height: +d.height };
  var picked = null, sentFrom = null, socket = null, failures = 0;

  function say(text) { status.textContent = text; }

  // A frame of a page on our own origin gets no allow-same-origin: with allow-scripts it
  // could lift its own sandbox and read this page (and its ticket). Other origins keep
  // theirs, so their cookies and scripts work while the browser keeps them out of ours.
  function frame(url) {
    var f = document.createElement("iframe");
    var own = new URL(url, location.href).origin === location.origin;
    f.setAttribute("sandbox", "allow-scripts allow-forms" + (own ? "" : " allow-same-origin"));
    f.referrerPolicy = "no-referrer";
    f.width = innerW; f.height = innerH;
    f.style.border = "0"; f.style.display = "block";
    f.src = url;
    return f;
  }

  function show() {
    var r = state.region;
    var f = view.querySelector("iframe");
    if (!f || f.dataset.url !== state.url) {
      view.replaceChildren();
      f = frame(state.url);
      f.dataset.url = state.url;
      view.append(f);
    }
    view.style.width = (r ? r.width : innerW) + "px";
    view.style.height = (r ? r.height : 480) + "px";
    f.style.marginLeft = -(r ? r.x : 0) + "px";
    f.style.marginTop = -(r ? r.y : 0) + "px";
    view.dataset.version = state.version;
  }

  function apply(frameState) {
    if (frameState.version < state.version) return;
    if (sentFrom !== null && frameState.version === sentFrom) {
      say("Someone moved the region first; this is theirs. Pick again to change it.");
    } else {
      say("Live · version " + frameState.version);
    }
    sentFrom = null;
    state.version = frameState.version;
    state.url = frameState.url;
    state.region = frameState.width ? { x: frameState.x, y: frameState.y,
      width: frameState.width, height: frameState.height } : null;
    show();
  }

  function startPicking() {
    picker.hidden = false;
    picker.querySelectorAll("iframe").forEach(function (f) { f.remove(); });
    picker.prepend(frame(state.url));
    overlay.style.width = innerW + "px"; overlay.style.height = innerH + "px";
    confirmBtn.disabled = true; box.hidden = true; picked = null;
  }

  function point(e) {
    var rect = overlay.getBoundingClientRect();
    return { x: Math.max(0, Math.round(e.clientX - rect.left)),
      y: Math.max(0, Math.round(e.clientY - rect.top)) };
  }

  var start = null;
  overlay.addEventListener("mousedown", function (e) {
    e.preventDefault(); start = point(e); box.hidden = false; drag(e);
  });
  overlay.addEventListener("mousemove", function (e) { if (start) drag(e); });
  window.addEventListener("mouseup", function (e) {
    if (!start) return;
    drag(e); // The last moves may be coalesced away: the release point ends the box.
    start = null;
    confirmBtn.disabled = !(picked && picked.width >= 1 && picked.height >= 1);
  });
  function drag(e) {
    var p = point(e);
    picked = { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y),
      width: Math.abs(p.x - start.x), height: Math.abs(p.y - start.y) };
    box.style.left = picked.x + "px"; box.style.top = picked.y + "px";
    box.style.width = picked.width + "px"; box.style.height = picked.height + "px";
  }

  pickBtn.addEventListener("click", startPicking);
  confirmBtn.addEventListener("click", function () {
    if (!picked || !socket || socket.readyState !== WebSocket.OPEN) return;
    sentFrom = state.version;
    socket.send(JSON.stringify({ type: "sync.region", room_id: d.room, x: picked.x, y: picked.y,
      width: picked.width, height: picked.height, version: state.version }));
    picker.hidden = true; confirmBtn.disabled = true;
    say("Sending the region…");
  });

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/v1/ws?access_token=" +
      encodeURIComponent(d.ticket));
    socket.onopen = function () {
      failures = 0;
      // The latest state, also after a reconnect that missed updates.
      socket.send(JSON.stringify({ type: "sync.join", room_id: d.room }));
    };
    socket.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (_) { return; }
      if (f.type === "sync.region" && f.room_id === d.room) apply(f);
      else if (f.type === "error") say("The server said: " + f.message);
    };
    socket.onclose = function () {
      failures += 1;
      // The ticket is short-lived: after repeated failures a reload fetches a new one.
      if (failures > 3) { say("Disconnected; reloading for a new session…"); location.reload(); return; }
      say("Disconnected; reconnecting…");
      setTimeout(connect, 1000 * failures);
    };
  }

  show();
  connect();
})();
