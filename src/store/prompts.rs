//! Staff prompts: after a staff member presses 驳回 or 补正, the bot waits for their reason in
//! that chat; the next message they send there completes the action.

use sqlx::AnyConnection;

use super::{StoreError, decode_optional};

/// An action waiting for a staff member's text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Prompt {
    /// The chat the reason is expected in.
    pub chat: String,
    /// The staff member.
    pub staff: String,
    /// The application.
    pub reference: String,
    /// `reject` or `need_info`.
    pub action: String,
    /// When the button was pressed (epoch ms).
    pub created_at: i64,
}

/// Waits for `staff`'s reason in `chat` (replacing an earlier prompt of theirs there).
pub async fn open(conn: &mut AnyConnection, prompt: &Prompt) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO staff_prompts (chat, staff, reference, action, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (chat, staff) DO UPDATE SET reference = $3, action = $4, created_at = $5",
    )
    .bind(&prompt.chat)
    .bind(&prompt.staff)
    .bind(&prompt.reference)
    .bind(&prompt.action)
    .bind(prompt.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes (removes and returns) the prompt `staff` has open in `chat`.
pub async fn take(conn: &mut AnyConnection, chat: &str, staff: &str) -> Result<Option<Prompt>, StoreError> {
    let row = sqlx::query(
        "DELETE FROM staff_prompts WHERE chat = $1 AND staff = $2 RETURNING chat, staff, reference, action, created_at",
    )
    .bind(chat)
    .bind(staff)
    .fetch_optional(&mut *conn)
    .await?;
    decode_optional(row)
}
