//! The group page: members with presence, the recent history, a box to send. It works as
//! plain HTML (the form posts and the page reloads); its script adds live updates.

use maud::{html, Markup};

use crate::layout::{layout, Page};

/// The group page's script, served at [`GROUP_SCRIPT_PATH`] and allowed there by the page's
/// Content-Security-Policy, so no inline script ever runs.
pub const GROUP_SCRIPT: &str = include_str!("group.js");
/// Where the service serves [`GROUP_SCRIPT`].
pub const GROUP_SCRIPT_PATH: &str = "/assets/group.js";

/// A member as the page lists them.
pub struct MemberLine {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    /// "online", "busy", "away" or "offline"; `None` when the viewer may not see it.
    pub presence: Option<String>,
    pub is_viewer: bool,
}

/// A message of the history.
pub struct MessageLine {
    pub seq: i64,
    /// The sender's display name ("a former member" once they left).
    pub from: String,
    pub body: String,
    /// RFC 3339, shown as is and read by the script.
    pub sent_at: String,
}

/// `/g/{group_id}`.
pub struct GroupView {
    pub group_id: String,
    pub name: String,
    pub members: Vec<MemberLine>,
    pub messages: Vec<MessageLine>,
    /// Whether older messages exist than those shown.
    pub truncated: bool,
    /// The send form's anti-forgery token.
    pub csrf: String,
    /// A fresh id per rendering, so a form sent twice stores one message.
    pub client_msg_id: String,
    /// The short-lived ticket the script opens `/v1/ws` with.
    pub ws_ticket: String,
    pub max_body_bytes: usize,
}

/// The group page.
pub fn group(page: &Page, view: &GroupView) -> Markup {
    let last_seq = view.messages.last().map_or(0, |m| m.seq);
    let content = html! {
        h1 { (view.name) }
        p.meta #live-status { "Live updates need JavaScript; without it, reload to see new messages." }
        h2 { "Members" }
        ul.members #members {
            @for m in &view.members {
                li data-user=(m.user_id) data-name=(m.display_name) data-viewer[m.is_viewer] {
                    b { (m.display_name) } " @" (m.username) " "
                    @if m.is_viewer {
                        span.presence.you { "you" }
                    } @else if let Some(p) = &m.presence {
                        span.presence data-status=(p) { (p) }
                    }
                }
            }
        }
        h2 { "Messages" }
        @if view.truncated { p.meta { "Older messages are not shown." } }
        ol.messages #messages data-group=(view.group_id) data-ticket=(view.ws_ticket) data-last-seq=(last_seq) {
            @for m in &view.messages { (message(m)) }
        }
        @if view.messages.is_empty() { p.meta #empty { "No messages yet. Say hello." } }
        form.send #send method="post" action={ "/g/" (view.group_id) "/messages" } {
            input type="hidden" name="csrf" value=(view.csrf);
            input type="hidden" name="client_msg_id" value=(view.client_msg_id);
            label for="body" { "Message" }
            textarea #body name="body" rows="2" maxlength=(view.max_body_bytes) required {}
            button { "Send" }
        }
        script src=(GROUP_SCRIPT_PATH) defer {}
    };
    layout(page, content)
}

fn message(m: &MessageLine) -> Markup {
    html! {
        li id={ "m" (m.seq) } data-seq=(m.seq) {
            b { (m.from) } " " time datetime=(m.sent_at) { (m.sent_at) }
            p.body { (m.body) }
        }
    }
}
