"""Console backend (development): prints each message on one line, number masked."""

from services.shared.phones import mask_phone

from .base import Message, SendResult, SmsBackend, TemplateError, register, render


@register
class ConsoleBackend(SmsBackend):
    """Prints ``SMS to 138****8000 [template] 【sign】text`` to stdout; always "sent"."""

    name = "console"

    def send(self, message: Message) -> SendResult:
        try:
            text = render(message, self.sign_name, self.texts)
        except TemplateError as exc:
            return SendResult("failed", error=f"invalid_message: {exc}")
        # Masked because development logs get pasted into chats and issues.
        print(f"SMS to {mask_phone(message.to)} [{message.template}] {text}", flush=True)
        return SendResult("sent", provider_message_id=f"console-{message.key}")
