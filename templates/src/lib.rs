//! maud views for imshare's pages; filled by the mobile blog issue.
