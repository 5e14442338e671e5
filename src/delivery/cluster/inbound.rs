//! What other nodes published, handed to this node's connections, topic listeners and the
//! task that applies cluster-wide changes; and the resync when Redis comes back.

use std::sync::Arc;

use bytestring::ByteString;
use tokio::sync::mpsc;

use super::link::LinkEvent;
use super::wire::{self, Channel, Control, Envelope};
use super::{Cluster, Inbound, Wiring};
use crate::delivery::hub::Outbound;

/// Runs until the link is gone.
pub async fn run(
    cluster: Arc<Cluster>,
    wiring: Wiring,
    mut events: mpsc::UnboundedReceiver<LinkEvent>,
) {
    while let Some(event) = events.recv().await {
        match event {
            LinkEvent::Message { channel, payload } => cluster.dispatch(&wiring, &channel, payload),
            LinkEvent::Reconnected => cluster.resync(&wiring).await,
        }
    }
}

impl Cluster {
    fn dispatch(&self, wiring: &Wiring, channel: &str, payload: Vec<u8>) {
        match wire::parse(channel) {
            Some(Channel::User(user)) => {
                let Some(envelope) = self.foreign_envelope(&payload) else {
                    return;
                };
                let frame = ByteString::from(envelope.frame);
                match envelope.event {
                    Some(event) => {
                        wiring.hub.offer_event_to_user(&user, &event, frame);
                    }
                    None => {
                        wiring.hub.send_to_user(&user, Outbound::Text(frame));
                    }
                }
            }
            Some(Channel::Group(group)) => {
                let Some(envelope) = self.foreign_envelope(&payload) else {
                    return;
                };
                let frame = Outbound::Text(ByteString::from(envelope.frame));
                wiring.hub.send_to_group(&group, frame, None);
            }
            Some(Channel::Topic(topic)) => {
                if let Some((origin, message)) = wire::split_topic_message(payload) {
                    if origin != self.node_id {
                        wiring.topics.deliver(topic, message);
                    }
                }
            }
            Some(Channel::Control) => match serde_json::from_slice::<Control>(&payload) {
                Ok(control) if control.origin != self.node => {
                    let _ = wiring.changes.send(Inbound::Change(control.change));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "an unreadable cluster change was ignored"),
            },
            None => tracing::debug!(channel, "a message on an unknown channel was ignored"),
        }
    }

    /// The envelope, unless this node sent it.
    fn foreign_envelope(&self, payload: &[u8]) -> Option<Envelope> {
        serde_json::from_slice::<Envelope>(payload)
            .ok()
            .filter(|e| e.origin != self.node)
    }
}
