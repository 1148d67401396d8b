//! The terminal chat: the bot in a REPL, over the same core as Telegram. Works interactively and
//! with piped input (one line = one message).

use std::io::{BufRead, Write};

use crate::bot::{Bot, User};

/// Reads messages from `input` until it ends and writes the bot's replies to `output`.
/// `interactive` adds a greeting and a prompt.
pub async fn run(bot: &Bot, user: &User, input: impl BufRead, mut output: impl Write, interactive: bool) -> std::io::Result<()> {
    if interactive {
        for reply in bot.handle(user, "/start").await {
            writeln!(output, "{}\n", reply.text)?;
        }
        write!(output, "> ")?;
        output.flush()?;
    }
    for line in input.lines() {
        let line = line?;
        for reply in bot.handle(user, &line).await {
            writeln!(output, "{}\n", reply.text)?;
        }
        if interactive {
            write!(output, "> ")?;
        }
        output.flush()?;
    }
    Ok(())
}
