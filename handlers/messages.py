"""Where a typed or sent message goes: a waiting question first (unless the message replies
to another issue's card), then a reply to a card (a note), then the draft being written;
otherwise the bot says it was not expecting it."""

from __future__ import annotations

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from casework import errors
from casework.commands import AddNote
from casework.intake import Draft
from casework.outbox import Card
from casework.services import delivery, intake, issues
from handlers import new_issue, refusals
from handlers.context import BotContext
from handlers.showing import send_card
from rendering import steps
from rendering.i18n import Html


async def on_text(update: Update, context: BotContext) -> None:
    """Text in a private chat."""
    message = update.effective_message
    assert message is not None and message.text is not None
    prompt = await issues.waiting_prompt(context.deps, context.staff)
    card = await _replied_card(message, context)
    words = prompt is not None and prompt.awaits_words
    if prompt is not None and words and (card is None or card.issue_id == prompt.issue_id):
        await _answer_prompt(message, context, message.text)
        return
    if card is not None:  # a reply to another issue's card is a note on that issue
        await _note(message, context, card.issue_id, message.text)
        return
    draft = await _draft(update, context)
    if draft is not None:
        await new_issue.on_text(update, context, draft)
        return
    if prompt is not None:  # a call-back's questions: the buttons answer them, not words
        raise errors.ButtonsWanted()
    await message.reply_text(
        context.t._("I was not expecting a message. /new logs an issue; /help lists the rest.")
    )


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo in a private chat: for a resolution or note, a draft, or a new issue."""
    message = update.effective_message
    assert message is not None and message.photo
    file_id = message.photo[-1].file_id
    caption = message.caption or ""
    prompt = await issues.waiting_prompt(context.deps, context.staff)
    card = await _replied_card(message, context)
    words = prompt is not None and prompt.awaits_words
    if prompt is not None and words and (card is None or card.issue_id == prompt.issue_id):
        # Refused while a reason is asked: a reason takes words. With a caption, the photo is
        # kept and the step taken in one transaction.
        if caption.strip():
            await _answer_prompt(message, context, caption, (file_id,))
        else:
            await issues.add_prompt_photo(context.deps, context.staff, file_id)
            await message.reply_text(context.t._("Photo kept. Now write the text, please."))
        return
    if card is not None:  # a reply to an issue's card: a note on that issue
        if caption.strip():
            await _note(message, context, card.issue_id, caption, (file_id,))
        else:
            await message.reply_text(
                context.t._(
                    "To add a photo to that issue, send it again as a reply to its card with "
                    "a few words as the caption."
                )
            )
        return
    # An expired draft is told, and replaced by the new one in its transaction (`intake.start`).
    draft = await _draft(update, context, drop_expired=False)
    if draft is not None:
        await new_issue.on_photo(update, context, draft)
        return
    await new_issue.start_from_photo(update, context)


async def on_shared(update: Update, context: BotContext) -> None:
    """A location or a contact card: only the draft being written takes one."""
    message = update.effective_message
    assert message is not None
    draft = await _draft(update, context)
    if draft is None:
        raise errors.NotExpectedNow("location" if message.location else "contact")
    await new_issue.on_shared(update, context, draft)


async def on_group_reply(update: Update, context: BotContext) -> None:
    """In a department's group, a reply to one of the bot's cards is a note on that issue."""
    message = update.effective_message
    assert message is not None
    text = message.text or message.caption or ""
    photos = (message.photo[-1].file_id,) if message.photo else ()
    card = await _replied_card(message, context) if text.strip() else None
    if card is not None:
        await _note(message, context, card.issue_id, text, photos)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: drop the question waiting for an answer, else the draft being written."""
    message = update.effective_message
    assert message is not None
    t = context.t
    if await issues.drop_prompt(context.deps, context.staff):
        await message.reply_text(t._("Cancelled; nothing was changed."))
    elif await intake.cancel(context.deps, context.staff):
        await message.reply_text(
            t._("✖️ Cancelled. Nothing was saved."), reply_markup=ReplyKeyboardRemove()
        )
    else:
        await message.reply_text(t._("There is nothing to cancel."))


async def _answer_prompt(
    message: Message, context: BotContext, text: str, photos: tuple[str, ...] = ()
) -> None:
    """The words a step was waiting for (with a photo, if they were its caption): take the
    step, then show the card as it is now."""
    t = context.t
    taken = await issues.answer(context.deps, context.staff, text, photos)
    done = Html("✓ " + steps.done(taken.action, t, taken.event, taken.issue))
    if taken.card is None:  # moved out of the person's reach (transferred away)
        await message.reply_html(Html(done + " " + taken.issue.number))
        return
    await send_card(message.chat.id, context, taken.card, headline=done)


async def _note(
    message: Message, context: BotContext, issue_id: int, text: str, photos: tuple[str, ...] = ()
) -> None:
    """A reply to an issue's card: a note on its timeline, told to the other side."""
    await issues.take_step(context.deps, context.staff, issue_id, AddNote(text, photos))
    await message.reply_text(context.t._("✓ Note added to the timeline."))


async def _replied_card(message: Message, context: BotContext) -> Card | None:
    """The card of an issue the message replies to, if it replies to one the bot sent."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return await delivery.card_at(context.deps, message.chat.id, replied.message_id)


async def _draft(update: Update, context: BotContext, *, drop_expired: bool = True) -> Draft | None:
    try:
        return await intake.current(context.deps, context.staff, drop_expired=drop_expired)
    except errors.DraftExpired as refusal:  # told; the message is then taken as if none was open
        await refusals.answer(update, context, refusal)
        return None


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("cancel", cancel),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & filters.PHOTO, on_photo),
        MessageHandler(private & (filters.LOCATION | filters.CONTACT), on_shared),
        MessageHandler(
            groups & filters.REPLY & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND,
            on_group_reply,
        ),
    ]
