// Live updates for the group page (/g/{id}). The page works without this script: the
// form posts and the page reloads. With it, messages arrive over /v1/ws and the form
// sends over the socket. Text is only ever set with textContent, never parsed as HTML.
"use strict";
(function () {
  var list = document.getElementById("messages");
  var form = document.getElementById("send");
  var status = document.getElementById("live-status");
  if (!list || !form) return;
  var groupId = list.dataset.group;
  var ticket = list.dataset.ticket;
  var lastSeq = Number(list.dataset.lastSeq) || 0;
  var socket = null;
  var failures = 0;
  var pending = {};

  function names() {
    var map = {};
    document.querySelectorAll("#members li").forEach(function (li) {
      map[li.dataset.user] = li.dataset.name;
    });
    return map;
  }
  var members = names();
  var me = document.querySelector("#members li[data-viewer]");
  var myName = me ? me.dataset.name : "you";

  function say(text) { status.textContent = text; }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  // The server writes RFC 3339 (UTC); readers want their own clock.
  function shown(sentAt) {
    var when = new Date(sentAt);
    return isNaN(when) ? sentAt : when.toLocaleString();
  }
  document.querySelectorAll("#messages time").forEach(function (t) {
    t.textContent = shown(t.dateTime);
  });

  function line(from, body, sentAt) {
    var li = document.createElement("li");
    var who = document.createElement("b");
    who.textContent = from;
    var when = document.createElement("time");
    when.dateTime = sentAt;
    when.textContent = shown(sentAt);
    var text = document.createElement("p");
    text.className = "body";
    text.textContent = body;
    li.append(who, " ", when, text);
    var empty = document.getElementById("empty");
    if (empty) empty.remove();
    list.append(li);
    list.scrollTop = list.scrollHeight;
    return li;
  }

  function numbered(li, seq) {
    li.id = "m" + seq;
    li.dataset.seq = seq;
    lastSeq = Math.max(lastSeq, seq);
  }

  function onMessage(frame) {
    if (frame.group_id !== groupId || document.getElementById("m" + frame.seq)) return;
    var from = members[frame.from] || "a former member";
    numbered(line(from, frame.body, frame.sent_at), frame.seq);
  }

  function onPresence(frame) {
    var li = document.querySelector('#members li[data-user="' + CSS.escape(frame.user_id) + '"]');
    var span = li && li.querySelector(".presence[data-status]");
    if (!span) return;
    span.dataset.status = frame.status;
    span.textContent = frame.status;
  }

  function onAck(frame) {
    var li = pending[frame.client_msg_id];
    if (!li) return;
    delete pending[frame.client_msg_id];
    li.classList.remove("pending");
    numbered(li, frame.seq);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var opened = false;
    socket = new WebSocket(scheme + location.host + "/v1/ws?access_token=" + encodeURIComponent(ticket));
    socket.onopen = function () {
      opened = true;
      failures = 0;
      say("Live");
      // Whatever was sent between rendering the page and now.
      socket.send(JSON.stringify({ type: "group.sync", group_id: groupId, after_seq: lastSeq }));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "group.message") onMessage(frame);
      else if (frame.type === "presence") onPresence(frame);
      else if (frame.type === "ack") onAck(frame);
      else if (frame.type === "error") say("Not sent: " + frame.message);
    };
    socket.onclose = function () {
      socket = null;
      if (!opened) failures += 1;
      // The ticket is short-lived: after repeated refusals a reload brings a fresh one.
      if (failures >= 3) { location.reload(); return; }
      say("Reconnecting…");
      setTimeout(connect, 1000 * (failures + 1));
    };
  }

  form.addEventListener("submit", function (event) {
    // Without a live socket the form posts as plain HTML.
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    event.preventDefault();
    var box = form.elements.body;
    var body = box.value;
    if (!body.trim()) return;
    var id = randomId();
    var li = line(myName, body, new Date().toISOString());
    li.classList.add("pending");
    pending[id] = li;
    socket.send(JSON.stringify({ type: "group.send", group_id: groupId, body: body, client_msg_id: id }));
    box.value = "";
    box.focus();
  });

  connect();
})();
