// The live share viewer: opens the share's socket and paints each tiles frame on the
// canvas. Binary frames (live/src/protocol.rs): kind 1 geometry (width, height, tile
// size: u16 each, big-endian), kind 2 tiles (count u16, then per tile: index u32,
// format u8, length u32, bytes). Frames are applied strictly in order: a frame's tiles
// are all decoded before any is drawn, and the next frame waits for the one before.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var d = root.dataset;
  var canvas = document.getElementById("live-canvas");
  var status = document.getElementById("live-status");
  var ctx = canvas.getContext("2d");
  var TYPES = { 1: "image/png", 2: "image/jpeg", 3: "image/webp" };
  var geometry = null, queue = Promise.resolve(), painted = 0, failures = 0;

  function say(text) { status.textContent = text; }

  function parse(buf) {
    var v = new DataView(buf);
    if (v.byteLength < 1) return null;
    var kind = v.getUint8(0);
    if (kind === 1 && v.byteLength === 7) {
      return { kind: 1, width: v.getUint16(1), height: v.getUint16(3), tile: v.getUint16(5) };
    }
    if (kind !== 2 || v.byteLength < 3) return null;
    var count = v.getUint16(1), at = 3, tiles = [];
    for (var i = 0; i < count; i++) {
      if (at + 9 > v.byteLength) return null;
      var index = v.getUint32(at), format = v.getUint8(at + 4), len = v.getUint32(at + 5);
      at += 9;
      if (at + len > v.byteLength) return null;
      tiles.push({ index: index, type: TYPES[format], bytes: new Uint8Array(buf, at, len) });
      at += len;
    }
    return { kind: 2, tiles: tiles };
  }

  function decode(tile) {
    var blob = new Blob([tile.bytes], { type: tile.type || "application/octet-stream" });
    return createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" })
      .catch(function () { return null; });
  }

  function apply(frame) {
    if (frame.kind === 1) {
      geometry = frame;
      canvas.width = frame.width; // also clears the canvas: a new picture starts
      canvas.height = frame.height;
      return Promise.resolve();
    }
    if (!geometry) return Promise.resolve();
    var g = geometry, across = Math.ceil(g.width / g.tile);
    return Promise.all(frame.tiles.map(decode)).then(function (bitmaps) {
      if (g !== geometry) return; // a newer geometry arrived meanwhile
      frame.tiles.forEach(function (t, i) {
        var b = bitmaps[i];
        if (!b) return;
        ctx.drawImage(b, (t.index % across) * g.tile, Math.floor(t.index / across) * g.tile);
        b.close();
      });
      painted += frame.tiles.length;
      d.painted = String(painted);
    });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + location.host + "/v1/live-shares/" +
      encodeURIComponent(d.share) + "/ws?watch=true&access_token=" + encodeURIComponent(d.ticket));
    socket.binaryType = "arraybuffer";
    socket.onopen = function () { failures = 0; d.state = "open"; say("Connected; waiting for the picture…"); };
    socket.onmessage = function (ev) {
      if (typeof ev.data === "string") {
        var m;
        try { m = JSON.parse(ev.data); } catch (_) { return; }
        if (m.type === "live.sharer" && m.online) say("Live");
        else if (m.type === "live.sharer") say(painted ? "The sharer is away; this is the last picture." : "Waiting for the sharer…");
        else if (m.type === "error") say("The server said: " + m.message);
        return;
      }
      var frame = parse(ev.data);
      if (frame) queue = queue.then(function () { return apply(frame); });
    };
    socket.onclose = function (ev) {
      d.state = "closed";
      if (ev.code === 1000) { say("The share has ended."); return; }
      failures += 1;
      // The ticket is short-lived: after repeated failures a reload fetches a new one.
      if (failures > 3) { say("Disconnected; reloading for a new session…"); location.reload(); return; }
      say("Disconnected; reconnecting…");
      setTimeout(connect, 1000 * failures);
    };
  }

  connect();
})();
