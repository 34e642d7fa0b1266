//! Paying at the kiosk after the order is placed: a QR code for the bank app (polled until the
//! bank confirms or the code expires), a card typed on the kiosk, or a switch to paying on
//! delivery. Card digits live only in [`CardForm`], zeroised when the attempt ends.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use customerclient_api::card::{self, CardDetails, CardPart, CardProblem};
use customerclient_api::clock::now_ms;
use customerclient_api::endpoint as e;
use customerclient_api::orders::{Order, PaymentMethod};
use customerclient_api::payments::{
    CardPaymentRequest, ChangePaymentMethod, Payment, PaymentState,
};
use zeroize::{Zeroize, Zeroizing};

use crate::bridge::{Bridge, BridgeError, Call, Reply, RequestId};
use crate::failure::Failure;
use crate::screen::{self, Screen};
use crate::session::{Activity, CustomerSession};

pub(crate) fn plugin(app: &mut App) {
    screen::add_screen_step::<PayStep>(app);
    app.init_resource::<PaymentFlow>()
        .init_resource::<CardForm>()
        .add_message::<PayAction>()
        .add_systems(
            OnEnter(Screen::Payment),
            begin.run_if(screen::changed_screen),
        )
        .add_systems(OnExit(Screen::Payment), end.run_if(screen::changed_screen))
        .add_systems(
            Update,
            (
                receive_payment_replies.in_set(KioskSet::Receive),
                // Paying counts as being there: the activity is fresh before the idle clock
                // reads it.
                (apply_pay_actions, keep_alive_while_paying, follow_stage)
                    .chain()
                    .in_set(KioskSet::Apply),
                poll_qr.in_set(KioskSet::Timers),
            )
                .run_if(in_state(Screen::Payment)),
        );
}

/// Seconds between asking the backend whether the bank has paid.
pub const POLL_SECONDS: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayStage {
    #[default]
    Idle,
    /// Choosing another way to pay.
    Choosing,
    RequestingQr,
    ShowingQr,
    QrExpired,
    CardEntry,
    CardPaying,
    /// Switching the order to paying on delivery.
    Switching,
}

impl PayStage {
    /// The step the customer sees at this stage.
    pub fn step(self) -> PayStep {
        match self {
            PayStage::Idle => PayStep::Starting,
            PayStage::Choosing | PayStage::Switching => PayStep::Choosing,
            PayStage::RequestingQr | PayStage::ShowingQr | PayStage::QrExpired => PayStep::Qr,
            PayStage::CardEntry | PayStage::CardPaying => PayStep::Card,
        }
    }
}

/// The steps of paying, a sub-state of [`Screen::Payment`]: each step's panel lives while
/// the step does, and its drawing runs only then. [`PaymentFlow::stage`] is the finer truth
/// the logic reads in the same frame (whether a request is on its way: a second tap on *Pay*
/// in that frame must see it); the step follows it at the next state transition.
#[derive(SubStates, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[source(Screen = Screen::Payment)]
pub enum PayStep {
    /// Before the order's way to pay is known.
    #[default]
    Starting,
    /// Choosing another way to pay (or switching to paying on delivery).
    Choosing,
    /// The QR code: asked for, shown, expired.
    Qr,
    /// The card form, and charging the card.
    Card,
}

fn follow_stage(
    flow: Res<PaymentFlow>,
    step: Res<State<PayStep>>,
    mut next: ResMut<NextState<PayStep>>,
) {
    let want = flow.stage.step();
    if *step.get() != want {
        next.set(want);
    } else {
        // Back where it is before the transition ran: nothing to change.
        *next = NextState::Unchanged;
    }
}

#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayAction {
    UseQr,
    UseCard,
    SubmitCard,
    NewQrCode,
    ChooseAnotherWay,
    /// Pay with one of the signed-in customer's saved cards.
    PaySaved(uuid::Uuid),
    PayOnDelivery(PaymentMethod),
}

#[derive(Resource, Debug, Default)]
pub struct PaymentFlow {
    pub stage: PayStage,
    pub order: Option<Order>,
    pub payment: Option<Payment>,
    /// What went wrong last, for the customer.
    pub message: Option<Failure>,
    pending: Option<RequestId>,
    poll: Option<RequestId>,
    next_poll_at: f64,
    /// Kept across retries of one card attempt after a network failure, so it charges once.
    card_key: Option<String>,
}

impl PaymentFlow {
    fn is_waiting(&self) -> bool {
        matches!(
            self.stage,
            PayStage::RequestingQr
                | PayStage::ShowingQr
                | PayStage::CardPaying
                | PayStage::Switching
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardField {
    #[default]
    Number,
    Expiry,
    Cvc,
}

/// What is wrong with one card field, said in the customer's language by [`CardError::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    Length {
        brand: &'static str,
        digits: String,
    },
    Luhn,
    /// Well-formed, from no network the shop takes.
    Brand,
    Month,
    Expired,
    Year,
    ExpiryMissing,
    Cvc {
        digits: usize,
    },
}

impl CardError {
    pub fn text(&self, i18n: &crate::i18n::I18n) -> String {
        use crate::i18n::arg;
        match self {
            CardError::Length { brand, digits } => i18n.t_args(
                "card-err-length",
                &[arg("brand", *brand), arg("digits", digits.clone())],
            ),
            CardError::Luhn => i18n.t("card-err-luhn"),
            CardError::Brand => i18n.t("card-err-brand"),
            CardError::Month => i18n.t("card-err-month"),
            CardError::Expired => i18n.t("card-err-expired"),
            CardError::Year => i18n.t("card-err-year"),
            CardError::ExpiryMissing => i18n.t("card-err-expiry-missing"),
            CardError::Cvc { digits } => i18n.t_args("card-err-cvc", &[arg("digits", *digits)]),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardErrors {
    pub number: Option<CardError>,
    pub expiry: Option<CardError>,
    pub cvc: Option<CardError>,
}

impl CardErrors {
    pub fn is_empty(&self) -> bool {
        self.number.is_none() && self.expiry.is_none() && self.cvc.is_none()
    }
}

/// The card as it is being typed. Buffers are zeroised on drop and on [`CardForm::wipe`];
/// `Debug` shows nothing of them.
#[derive(Resource, Default)]
pub struct CardForm {
    /// Digits only.
    pub number: Zeroizing<String>,
    /// `MMYY` digits.
    pub expiry: Zeroizing<String>,
    pub cvc: Zeroizing<String>,
    pub active: CardField,
    pub errors: CardErrors,
    /// Keep the card (its gateway token) for next time; signed-in customers only.
    pub save: bool,
}

impl std::fmt::Debug for CardForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardForm")
            .field("number", &card::mask(&self.number))
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl CardForm {
    pub fn brand(&self) -> card::Brand {
        card::brand(&self.number)
    }

    /// Most characters a field takes.
    pub fn max_len(&self, field: CardField) -> usize {
        match field {
            CardField::Number => 19,
            CardField::Expiry => 4,
            CardField::Cvc => self.brand().cvc_len(),
        }
    }

    pub fn field_mut(&mut self, field: CardField) -> &mut String {
        match field {
            CardField::Number => &mut self.number,
            CardField::Expiry => &mut self.expiry,
            CardField::Cvc => &mut self.cvc,
        }
    }

    /// Types one digit into the active field, moving on when it is full.
    pub fn type_digit(&mut self, d: char) {
        if !d.is_ascii_digit() {
            return;
        }
        let field = self.active;
        let max = self.max_len(field);
        let text = self.field_mut(field);
        if text.len() < max {
            text.push(d);
        }
        let len = self.field_mut(field).len();
        // A number is complete at its brand's longest length, or at 16 (15 for Amex) digits
        // that pass Luhn: 19-digit cards exist but are rare. A number of no known brand has
        // no length to complete at; the customer moves on with Next.
        let known = self.brand() != card::Brand::Unknown;
        let number_done = field == CardField::Number
            && (self.brand().lengths().last().is_some_and(|&m| len >= m)
                || (known
                    && matches!(len, 15 | 16)
                    && self.brand().lengths().contains(&len)
                    && card::luhn_valid(&self.number)));
        let full = len >= max || number_done;
        if full {
            self.active = match field {
                CardField::Number => CardField::Expiry,
                CardField::Expiry => CardField::Cvc,
                CardField::Cvc => CardField::Cvc,
            };
        }
        *self.error_mut(field) = None;
    }

    /// Deletes the active field's last digit; its message goes with the edit, as with typing.
    pub fn backspace(&mut self) {
        let field = self.active;
        self.field_mut(field).pop();
        *self.error_mut(field) = None;
    }

    /// *Next* on the keypad: on to the next field, never back round to the number (which
    /// would unmask it and append to a complete number). The last field stays put.
    pub fn next_field(&mut self) {
        self.active = match self.active {
            CardField::Number => CardField::Expiry,
            CardField::Expiry | CardField::Cvc => CardField::Cvc,
        };
    }

    /// Whether *Next* can still move on.
    pub fn has_next(&self) -> bool {
        self.active != CardField::Cvc
    }

    fn error_mut(&mut self, field: CardField) -> &mut Option<CardError> {
        match field {
            CardField::Number => &mut self.errors.number,
            CardField::Expiry => &mut self.errors.expiry,
            CardField::Cvc => &mut self.errors.cvc,
        }
    }

    /// The card ready to send, or what is wrong with each field.
    pub fn details(&self, today: (u32, u32)) -> Result<CardDetails, CardErrors> {
        let (month, year) = if self.expiry.len() == 4 {
            (
                self.expiry[..2].parse::<u32>().unwrap_or(0),
                2000 + self.expiry[2..].parse::<u32>().unwrap_or(0),
            )
        } else {
            (0, 0)
        };
        let mut errors = CardErrors::default();
        if self.expiry.len() != 4 {
            errors.expiry = Some(CardError::ExpiryMissing);
        }
        let brand = self.brand();
        for p in card::validate(&self.number, month, year, &self.cvc, today) {
            let e = match p {
                CardProblem::NumberLength(b) => CardError::Length {
                    brand: b.label(),
                    digits: b
                        .lengths()
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(" / "),
                },
                CardProblem::NumberLuhn => CardError::Luhn,
                CardProblem::UnknownBrand => CardError::Brand,
                CardProblem::Month => CardError::Month,
                CardProblem::Expired => CardError::Expired,
                CardProblem::Year => CardError::Year,
                CardProblem::Cvc(_) => CardError::Cvc {
                    digits: brand.cvc_len(),
                },
            };
            let slot = match p.part() {
                CardPart::Number => &mut errors.number,
                CardPart::Expiry => &mut errors.expiry,
                CardPart::Cvc => &mut errors.cvc,
            };
            // "Enter the month and year" says more than "Month must be 01 to 12" for a half-typed expiry.
            if slot.is_none() {
                *slot = Some(e);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CardDetails {
            number: self.number.to_string(),
            expiry_month: month,
            expiry_year: year,
            cvc: self.cvc.to_string(),
            holder: None,
        })
    }

    /// `•••• 4242` once the number is complete and the customer has moved on; grouped while typing.
    pub fn number_display(&self) -> String {
        if self.active != CardField::Number && self.number.len() >= 12 {
            card::mask(&self.number)
        } else {
            card::group(&self.number)
        }
    }

    pub fn wipe(&mut self) {
        self.number.zeroize();
        self.expiry.zeroize();
        self.cvc.zeroize();
        self.active = CardField::Number;
        self.errors = CardErrors::default();
        self.save = false;
    }
}

fn begin(
    session: Res<CustomerSession>,
    mut flow: ResMut<PaymentFlow>,
    bridge: Res<Bridge>,
    mut card: ResMut<CardForm>,
) {
    *flow = PaymentFlow {
        order: session.last_order.clone(),
        ..default()
    };
    card.wipe();
    let Some(order) = flow.order.clone() else {
        return;
    };
    match order.payment_method {
        PaymentMethod::QrBankApp => request_qr(&mut flow, &bridge, &session),
        PaymentMethod::CardInApp => flow.stage = PayStage::CardEntry,
        _ => flow.stage = PayStage::Choosing,
    }
}

fn end(mut flow: ResMut<PaymentFlow>, mut card: ResMut<CardForm>) {
    card.wipe();
    *flow = PaymentFlow::default();
}

fn request_qr(flow: &mut PaymentFlow, bridge: &Bridge, session: &CustomerSession) {
    let (Some(order), Some(token)) = (&flow.order, &session.token) else {
        return;
    };
    flow.pending = Some(bridge.send(Call::<e::StartQrPayment>::empty().at(order.id).token(token)));
    flow.stage = PayStage::RequestingQr;
    flow.message = None;
}

/// Charges a card under the attempt's key, made once per attempt: a retry after a lost
/// answer is the same charge, never a second one.
fn pay_by_card(
    flow: &mut PaymentFlow,
    bridge: &Bridge,
    order: uuid::Uuid,
    token: &str,
    body: CardPaymentRequest,
) {
    let key = flow
        .card_key
        .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
        .clone();
    flow.pending = Some(
        bridge.send(
            Call::<e::PayByCard>::new(body)
                .at(order)
                .token(token)
                .key(key),
        ),
    );
    flow.stage = PayStage::CardPaying;
    flow.message = None;
}

fn apply_pay_actions(
    mut actions: MessageReader<PayAction>,
    mut flow: ResMut<PaymentFlow>,
    mut card: ResMut<CardForm>,
    session: Res<CustomerSession>,
    bridge: Res<Bridge>,
) {
    for action in actions.read() {
        if flow.is_waiting() && !matches!(action, PayAction::ChooseAnotherWay) {
            continue;
        }
        let (Some(order), Some(token)) = (flow.order.clone(), session.token.clone()) else {
            continue;
        };
        match action {
            PayAction::UseQr | PayAction::NewQrCode => request_qr(&mut flow, &bridge, &session),
            PayAction::UseCard => {
                flow.stage = PayStage::CardEntry;
                flow.message = None;
            }
            PayAction::ChooseAnotherWay => {
                if flow.stage != PayStage::CardPaying && flow.stage != PayStage::Switching {
                    card.wipe();
                    flow.stage = PayStage::Choosing;
                    flow.pending = None;
                    flow.poll = None;
                }
            }
            PayAction::PaySaved(id) => {
                let body = CardPaymentRequest {
                    card: None,
                    save_card: false,
                    saved_card_id: Some(*id),
                };
                pay_by_card(&mut flow, &bridge, order.id, &token, body);
            }
            PayAction::PayOnDelivery(method) => {
                flow.pending = Some(
                    bridge.send(
                        Call::<e::SetPaymentMethod>::new(ChangePaymentMethod { method: *method })
                            .at(order.id)
                            .token(token),
                    ),
                );
                flow.stage = PayStage::Switching;
                flow.message = None;
            }
            PayAction::SubmitCard => match card.details(customerclient_api::clock::this_month()) {
                Err(errors) => card.errors = errors,
                Ok(details) => {
                    let body = CardPaymentRequest {
                        card: Some(details),
                        save_card: card.save && session.account.is_some(),
                        saved_card_id: None,
                    };
                    pay_by_card(&mut flow, &bridge, order.id, &token, body);
                }
            },
        }
    }
}

fn finish(
    session: &mut CustomerSession,
    order: Order,
    next: &mut NextState<Screen>,
    activity: &mut Activity,
    now: f64,
) {
    session.last_order = Some(order);
    activity.confirmation_shown_at = Some(now);
    next.set(Screen::Confirmation);
}

/// What a payment request came back with: the payment, or (after switching to paying on
/// delivery) the order.
enum Answer<'a> {
    Payment(&'a Payment),
    Order(&'a Order),
}

#[allow(clippy::too_many_arguments)]
fn receive_payment_replies(
    mut qr: MessageReader<Reply<e::StartQrPayment>>,
    mut by_card: MessageReader<Reply<e::PayByCard>>,
    mut polled: MessageReader<Reply<e::GetPayment>>,
    mut switched: MessageReader<Reply<e::SetPaymentMethod>>,
    mut flow: ResMut<PaymentFlow>,
    mut card: ResMut<CardForm>,
    mut session: ResMut<CustomerSession>,
    mut activity: ResMut<Activity>,
    mut next: ResMut<NextState<Screen>>,
    bridge: Res<Bridge>,
    time: Res<Time>,
) {
    let answers = qr
        .read()
        .map(|r| r.map(Answer::Payment))
        .chain(by_card.read().map(|r| r.map(Answer::Payment)))
        .chain(polled.read().map(|r| r.map(Answer::Payment)))
        .chain(switched.read().map(|r| r.map(Answer::Order)));
    for (id, answer) in answers {
        let is_poll = flow.poll == Some(id);
        if flow.pending != Some(id) && !is_poll {
            continue;
        }
        if is_poll {
            flow.poll = None;
        } else {
            flow.pending = None;
        }
        let now = time.elapsed_secs_f64();
        match answer {
            Ok(Answer::Order(order)) => {
                finish(&mut session, order.clone(), &mut next, &mut activity, now)
            }
            Ok(Answer::Payment(p)) => {
                // A late poll of a code the customer already left behind changes nothing.
                if is_poll && flow.stage != PayStage::ShowingQr {
                    continue;
                }
                flow.payment = Some(p.clone());
                match p.state {
                    PaymentState::Paid => {
                        if card.save
                            && let Some(token) = session.token.clone()
                        {
                            // The backend kept the card; show it in settings and next time.
                            bridge.send(Call::<e::GetCards>::empty().token(token));
                        }
                        card.wipe();
                        flow.card_key = None;
                        let mut order = flow
                            .order
                            .clone()
                            .unwrap_or_else(|| unreachable!("a payment belongs to an order"));
                        order.payment_state = PaymentState::Paid;
                        order.payment_method = p.method;
                        order.card = p.card.clone();
                        finish(&mut session, order, &mut next, &mut activity, now);
                    }
                    PaymentState::AwaitingPayment if p.qr_payload.is_some() => {
                        flow.stage = PayStage::ShowingQr;
                        flow.next_poll_at = now + POLL_SECONDS;
                    }
                    PaymentState::Expired => flow.stage = PayStage::QrExpired,
                    // Ended while the card was charged (the charge is given back): as over as
                    // a decline; the next card is a new attempt.
                    PaymentState::Refunded if p.method == PaymentMethod::CardInApp => {
                        card.wipe();
                        flow.card_key = None;
                        flow.message = Some(Failure::Rejected {
                            code: "payment_superseded".into(),
                            message: String::new(),
                        });
                        flow.stage = PayStage::CardEntry;
                    }
                    PaymentState::Failed if p.method == PaymentMethod::CardInApp => {
                        // A definite "no": this attempt is over; the next card is a new attempt.
                        card.wipe();
                        flow.card_key = None;
                        flow.message = p.failure.clone().map(|message| Failure::Rejected {
                            code: p.failure_code.clone().unwrap_or_default(),
                            message,
                        });
                        flow.stage = PayStage::CardEntry;
                    }
                    PaymentState::Failed => {
                        flow.message = p.failure.clone().map(|message| Failure::Rejected {
                            code: p.failure_code.clone().unwrap_or_default(),
                            message,
                        });
                        flow.stage = PayStage::Choosing;
                    }
                    _ => {}
                }
            }
            Err(e) if is_poll => warn!("payment status poll failed: {e}"),
            Err(e) => {
                // An attempt the backend ended for good is never retried under its key.
                if let BridgeError::Rejected { body, .. } = e
                    && matches!(body.error.as_str(), "payment_superseded" | "order_closed")
                {
                    flow.card_key = None;
                }
                flow.message = Some(Failure::from(e));
                flow.stage = match flow.stage {
                    // The card stays typed so a retry uses the same attempt (same key).
                    PayStage::CardPaying => PayStage::CardEntry,
                    _ => PayStage::Choosing,
                };
            }
        }
    }
}

fn poll_qr(
    mut flow: ResMut<PaymentFlow>,
    session: Res<CustomerSession>,
    bridge: Res<Bridge>,
    time: Res<Time>,
) {
    if flow.stage != PayStage::ShowingQr || flow.poll.is_some() {
        return;
    }
    let now = time.elapsed_secs_f64();
    let expired = flow
        .payment
        .as_ref()
        .and_then(|p| p.expires_at)
        .is_some_and(|t| now_ms() >= t);
    if now < flow.next_poll_at && !expired {
        return;
    }
    let (Some(payment), Some(token)) = (flow.payment.as_ref().map(|p| p.id), session.token.clone())
    else {
        return;
    };
    flow.poll = Some(bridge.send(Call::<e::GetPayment>::empty().at(payment).token(token)));
    flow.next_poll_at = now + POLL_SECONDS;
}

/// Waiting for a bank or a card answer is not being idle.
fn keep_alive_while_paying(
    flow: Res<PaymentFlow>,
    mut activity: ResMut<Activity>,
    time: Res<Time>,
) {
    if flow.is_waiting() {
        activity.last_touch = time.elapsed_secs_f64();
    }
}

/// Seconds left on the QR code, for the countdown.
pub fn seconds_left(payment: &Payment) -> Option<i64> {
    payment.expires_at.map(|t| ((t - now_ms()) / 1000).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(number: &str, expiry: &str, cvc: &str) -> CardForm {
        let mut f = CardForm::default();
        for c in number.chars().chain(expiry.chars()).chain(cvc.chars()) {
            f.type_digit(c);
        }
        f
    }

    #[test]
    fn typing_moves_through_the_fields_and_masks_the_number() {
        let f = typed("4242424242424242", "1230", "123");
        assert_eq!(&*f.number, "4242424242424242");
        assert_eq!(&*f.expiry, "1230");
        assert_eq!(&*f.cvc, "123");
        assert_eq!(f.number_display(), "•••• 4242");
        let mir19 = typed("2200000000000000004", "", "");
        assert_eq!(mir19.number.len(), 19);
        let amex = typed("378282246310005", "1230", "1234");
        assert_eq!(&*amex.cvc, "1234", "Amex takes four");
    }

    /// Drives the form as the keypad does: digits, `<` ⌫, `>` Next, `!` Pay.
    fn keys(f: &mut CardForm, keys: &str) {
        for k in keys.chars() {
            match k {
                '<' => f.backspace(),
                '>' => f.next_field(),
                '!' => f.errors = f.details((2026, 11)).err().unwrap_or_default(),
                d => f.type_digit(d),
            }
        }
    }

    #[test]
    fn the_card_form_moves_forward_and_says_what_is_wrong() {
        use CardError::*;
        use CardField::*;
        let cvc3 = || CardError::Cvc { digits: 3 };
        let visa_len = || Length {
            brand: "Visa",
            digits: "13 / 16 / 19".into(),
        };
        // keys → active field, number as shown, expiry, cvc, (number, expiry, cvc) errors
        #[allow(clippy::type_complexity)]
        let table: &[(&str, CardField, &str, &str, &str, [Option<CardError>; 3])] = &[
            // A complete number moves on and is masked.
            (
                "4242424242424242",
                Expiry,
                "•••• 4242",
                "",
                "",
                [None, None, None],
            ),
            // Next after the auto-advance to CVC stays there: the number is neither
            // unmasked nor appended to.
            (
                "42424242424242421230>7",
                Cvc,
                "•••• 4242",
                "1230",
                "7",
                [None, None, None],
            ),
            (
                "42424242424242421230123>>1",
                Cvc,
                "•••• 4242",
                "1230",
                "123",
                [None, None, None],
            ),
            // 16 digits that fail Luhn: the Luhn message, not the length one.
            (
                "4111111111111112!",
                Number,
                "4111 1111 1111 1112",
                "",
                "",
                [Some(Luhn), Some(ExpiryMissing), Some(cvc3())],
            ),
            (
                "42424242!",
                Number,
                "4242 4242",
                "",
                "",
                [Some(visa_len()), Some(ExpiryMissing), Some(cvc3())],
            ),
            // An all-zero number passes Luhn but is no brand we take: refused here.
            (
                "0000000000000000>1230123!",
                Cvc,
                "•••• 0000",
                "1230",
                "123",
                [Some(Brand), None, None],
            ),
            (
                "42424242424242421399!",
                Cvc,
                "•••• 4242",
                "1399",
                "",
                [None, Some(Month), Some(cvc3())],
            ),
            // An expiry error goes when the expiry is edited.
            (
                "42424242424242421>!",
                Cvc,
                "•••• 4242",
                "1",
                "",
                [None, Some(ExpiryMissing), Some(cvc3())],
            ),
            (
                "42424242424242421!<",
                Expiry,
                "•••• 4242",
                "",
                "",
                [None, None, Some(cvc3())],
            ),
            (
                "42424242424242420125123!",
                Cvc,
                "•••• 4242",
                "0125",
                "123",
                [None, Some(Expired), None],
            ),
        ];
        for (input, active, shown, expiry, cvc, errors) in table {
            let mut f = CardForm::default();
            keys(&mut f, input);
            assert_eq!(f.active, *active, "{input}: active field");
            assert_eq!(f.number_display(), *shown, "{input}: number");
            assert_eq!(&*f.expiry, *expiry, "{input}: expiry");
            assert_eq!(&*f.cvc, *cvc, "{input}: cvc");
            let [n, e, c] = errors.clone();
            assert_eq!(
                f.errors,
                CardErrors {
                    number: n,
                    expiry: e,
                    cvc: c
                },
                "{input}: errors"
            );
        }
    }

    #[test]
    fn card_details_or_field_errors() {
        let today = (2026, 11);
        assert!(
            typed("4242424242424242", "1230", "123")
                .details(today)
                .is_ok()
        );
        let e = typed("4111111111111112", "0126", "12")
            .details(today)
            .unwrap_err();
        assert!(e.number.is_some() && e.expiry.is_some() && e.cvc.is_some());
        let mut f = typed("4242424242424242", "1230", "123");
        f.wipe();
        assert!(f.number.is_empty() && f.cvc.is_empty() && f.expiry.is_empty());
        assert!(!format!("{f:?}").contains("4242424242424242"));
    }
}
