//! The customer's orders (list and detail: lines, stages, rating, order again, cancel, track)
//! and the dashboard: period, totals, and line, bar, histogram and scatter charts of numbers
//! the statistics backend computed.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use customerclient_api::orders::{Order, OrderStatus};
use customerclient_api::stats::{Dashboard, Period};
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoint, PlotPoints, Points, Text};

use crate::i18n::{I18n, arg, clock_time, date_time, delivery_key, payment_key, payment_state_key};
use crate::notify::status_key;
use crate::orders::{OrdersAction, OrdersState, ReceiptMail, can_cancel, can_pay};
use crate::screen::Screen;
use crate::session::CustomerSession;
use crate::ui::egui_kit;
use crate::ui::theme::{self, size};
use crate::ui::touch;
use crate::ui::widgets::{self, HEADER_HEIGHT};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Orders), spawn).add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Orders)),
    );
}

fn spawn(mut commands: Commands, session: Res<CustomerSession>, i18n: Res<I18n>) {
    commands.spawn((
        widgets::scene_root("Orders"),
        DespawnOnExit(Screen::Orders),
        children![widgets::header(&session, &i18n, &i18n.t("orders-title"))],
    ));
}

fn big_button(ui: &mut egui::Ui, text: String, primary: bool, width: f32) -> bool {
    let b = egui_kit::choice(ui, text, size::BODY, primary);
    ui.add(b.min_size(egui::vec2(width, theme::TOUCH * 0.8)))
        .clicked()
}

fn period_key(p: Period) -> &'static str {
    match p {
        Period::Day => "period-day",
        Period::Week => "period-week",
        Period::Month => "period-month",
        Period::Year => "period-year",
        Period::All => "period-all",
    }
}

fn payment_color(o: &Order) -> Color {
    use customerclient_api::payments::PaymentState::*;
    match o.payment_state {
        Paid | Refunded => theme::SUCCESS,
        Failed | Expired => theme::DANGER,
        AwaitingPayment if o.status.is_active() => theme::DANGER,
        _ => theme::MUTED,
    }
}

/// One row of the list; returns true when tapped.
fn order_row(ui: &mut egui::Ui, i18n: &I18n, o: &Order, selected: bool) -> bool {
    let fill = if selected {
        theme::SECONDARY_PRESSED
    } else {
        theme::SURFACE
    };
    let resp = egui::Frame::new()
        .fill(theme::to_egui(ui, fill))
        .corner_radius(egui::CornerRadius::same(14))
        .inner_margin(egui::Margin::symmetric(18, 10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.spacing_mut().item_spacing.y = 2.0;
            ui.horizontal(|ui| {
                ui.label(
                    egui::RichText::new(format!("#{}", o.number))
                        .size(size::BODY)
                        .strong(),
                );
                ui.label(
                    egui::RichText::new(date_time(o.created_at))
                        .size(size::SMALL)
                        .color(theme::to_egui(ui, theme::MUTED)),
                );
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(
                        egui::RichText::new(i18n.price(&o.total))
                            .size(size::BODY)
                            .strong(),
                    );
                });
            });
            ui.horizontal(|ui| {
                let color = match o.status {
                    OrderStatus::Delivered => theme::SUCCESS,
                    OrderStatus::Cancelled | OrderStatus::Failed => theme::DANGER,
                    _ => theme::PRIMARY,
                };
                ui.label(
                    egui::RichText::new(i18n.t(status_key(o.status)))
                        .size(size::SMALL)
                        .color(theme::to_egui(ui, color)),
                );
                ui.label(
                    egui::RichText::new(format!("· {}", i18n.t(payment_key(o.payment_method))))
                        .size(size::SMALL)
                        .color(theme::to_egui(ui, theme::MUTED)),
                );
                ui.label(
                    egui::RichText::new(format!(
                        "· {}",
                        i18n.t(payment_state_key(o.payment_state))
                    ))
                    .size(size::SMALL)
                    .color(theme::to_egui(ui, payment_color(o))),
                );
            });
        })
        .response
        .interact(egui::Sense::click());
    resp.clicked()
}

/// The selected order: lines, stages, and what can be done with it.
pub fn order_detail(
    ui: &mut egui::Ui,
    i18n: &I18n,
    o: &Order,
    state: &mut OrdersState,
) -> Option<OrdersAction> {
    let mut action = None;
    ui.spacing_mut().item_spacing.y = 6.0;
    ui.label(
        egui::RichText::new(i18n.t_args("track-order", &[arg("number", o.number)]))
            .size(size::HEADING)
            .strong(),
    );
    ui.label(
        egui::RichText::new(format!(
            "{} · {}, {}",
            date_time(o.created_at),
            o.address,
            o.city
        ))
        .size(size::SMALL)
        .color(theme::to_egui(ui, theme::MUTED)),
    );
    ui.add_space(10.0);
    for l in &o.lines {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(format!("{} × {}", l.quantity, l.name)).size(size::BODY));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(egui::RichText::new(i18n.price(&l.line_total)).size(size::BODY));
            });
        });
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(
            egui::RichText::new(i18n.t_args("orders-total", &[arg("total", i18n.price(&o.total))]))
                .size(size::HEADING)
                .strong(),
        );
    });
    ui.label(
        egui::RichText::new(format!(
            "{} · {}",
            i18n.t(payment_key(o.payment_method)),
            i18n.t(payment_state_key(o.payment_state))
        ))
        .size(size::SMALL)
        .color(theme::to_egui(ui, payment_color(o))),
    );
    if can_pay(o) && big_button(ui, i18n.t("orders-pay-now"), true, ui.available_width()) {
        action = Some(OrdersAction::Pay(o.id));
    }
    if big_button(ui, i18n.t("orders-receipt"), false, ui.available_width()) {
        action = Some(OrdersAction::ShowReceipt(true));
    }
    ui.add_space(8.0);
    for h in &o.history {
        ui.label(
            egui::RichText::new(format!(
                "{}  {}",
                clock_time(h.at),
                i18n.t(status_key(h.status))
            ))
            .size(size::SMALL),
        );
    }
    ui.add_space(12.0);
    let w = (ui.available_width() - 16.0) / 2.0;
    ui.horizontal(|ui| {
        if big_button(ui, i18n.t("orders-again"), true, w) {
            action = Some(OrdersAction::Reorder(o.id));
        }
        if o.status.is_active() && big_button(ui, i18n.t("orders-track"), false, w) {
            action = Some(OrdersAction::Track(o.id));
        }
    });
    if can_cancel(o) {
        // A cancel is final: it asks once more, in place, with "keep" as the other choice.
        if state.confirm_cancel == Some(o.id) {
            ui.label(
                egui::RichText::new(
                    i18n.t_args("orders-cancel-confirm", &[arg("number", o.number)]),
                )
                .size(size::BODY)
                .color(theme::to_egui(ui, theme::DANGER)),
            );
            ui.horizontal(|ui| {
                if big_button(ui, i18n.t("orders-cancel-yes"), false, w) {
                    action = Some(OrdersAction::Cancel(o.id));
                }
                if big_button(ui, i18n.t("orders-cancel-keep"), true, w) {
                    action = Some(OrdersAction::AskCancel(None));
                }
            });
        } else if big_button(ui, i18n.t("orders-cancel"), false, ui.available_width()) {
            action = Some(OrdersAction::AskCancel(Some(o.id)));
        }
    }
    if !state.reorder_skipped.is_empty() {
        ui.label(
            egui::RichText::new(i18n.t_args(
                "orders-skipped",
                &[arg("names", state.reorder_skipped.join(", "))],
            ))
            .color(theme::to_egui(ui, theme::DANGER)),
        );
    }
    if o.status == OrderStatus::Delivered {
        ui.add_space(12.0);
        ui.label(
            egui::RichText::new(i18n.t("orders-rate"))
                .size(size::BODY)
                .strong(),
        );
        ui.horizontal(|ui| {
            for star in 1..=5 {
                let on = star <= state.stars;
                let star_button = egui_kit::star(ui, on);
                if ui
                    .add(star_button.min_size(egui::vec2(theme::TOUCH, theme::TOUCH)))
                    .clicked()
                {
                    state.stars = star;
                }
            }
        });
        // Comments come from quick picks: typing on a kiosk is slow, and these cover most.
        ui.horizontal_wrapped(|ui| {
            for key in [
                "orders-comment-fast",
                "orders-comment-warm",
                "orders-comment-tasty",
                "orders-comment-late",
            ] {
                let text = i18n.t(key);
                let on = state.comment == text;
                let pick = egui_kit::key(ui, text.clone(), size::SMALL, on);
                if ui
                    .add(pick.min_size(egui::vec2(0.0, theme::TOUCH * 0.6)))
                    .clicked()
                {
                    state.comment = if on { String::new() } else { text };
                }
            }
        });
        let rated = o.rating.as_ref();
        let changed = rated.is_none_or(|r| r.stars != state.stars || r.comment != state.comment);
        if state.stars > 0
            && changed
            && big_button(ui, i18n.t("orders-send-rating"), true, ui.available_width())
        {
            action = Some(OrdersAction::Rate {
                order_id: o.id,
                stars: state.stars,
                comment: state.comment.clone(),
            });
        }
        if rated.is_some() && !changed {
            ui.label(
                egui::RichText::new(i18n.t("orders-thanks-rating"))
                    .color(theme::to_egui(ui, theme::SUCCESS)),
            );
        }
    }
    action
}

/// The selected order as its receipt — what the e-mailed PDF says — and, for a signed-in
/// customer, "e-mail it to me" (to `own_email`, the account's address).
pub fn receipt_view(
    ui: &mut egui::Ui,
    i18n: &I18n,
    o: &Order,
    state: &OrdersState,
    own_email: Option<&str>,
) -> Option<OrdersAction> {
    let mut action = None;
    ui.spacing_mut().item_spacing.y = 6.0;
    ui.label(
        egui::RichText::new(i18n.store_name())
            .size(size::HEADING)
            .strong()
            .color(theme::to_egui(ui, theme::PRIMARY)),
    );
    ui.label(
        egui::RichText::new(i18n.t_args("receipt-title", &[arg("number", o.number)]))
            .size(size::HEADING),
    );
    ui.label(
        egui::RichText::new(date_time(o.created_at))
            .size(size::SMALL)
            .color(theme::to_egui(ui, theme::MUTED)),
    );
    ui.add_space(8.0);
    let row = |ui: &mut egui::Ui, what: String, amount: String, strong: bool| {
        ui.horizontal(|ui| {
            let text_size = if strong { size::HEADING } else { size::BODY };
            let what = egui::RichText::new(what).size(text_size);
            ui.label(if strong { what.strong() } else { what });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let amount = egui::RichText::new(amount).size(text_size);
                ui.label(if strong { amount.strong() } else { amount });
            });
        });
    };
    for l in &o.lines {
        row(
            ui,
            format!("{} × {}", l.quantity, l.name),
            i18n.price(&l.line_total),
            false,
        );
    }
    ui.separator();
    row(
        ui,
        i18n.t("receipt-dishes"),
        i18n.price(&o.products_total),
        false,
    );
    row(
        ui,
        i18n.t_args(
            "receipt-delivery",
            &[arg("method", i18n.t(delivery_key(o.delivery_method)))],
        ),
        i18n.price(&o.delivery_price),
        false,
    );
    ui.separator();
    row(ui, i18n.t("receipt-total"), i18n.price(&o.total), true);
    let mut payment = format!(
        "{} · {}",
        i18n.t(payment_key(o.payment_method)),
        i18n.t(payment_state_key(o.payment_state))
    );
    if let Some(card) = &o.card {
        payment.push_str(&format!(" · {} •••• {}", card.brand.label(), card.last4));
    }
    ui.label(egui::RichText::new(payment).size(size::BODY));
    ui.label(
        egui::RichText::new(format!("{}, {}", o.address, o.city))
            .size(size::SMALL)
            .color(theme::to_egui(ui, theme::MUTED)),
    );
    ui.add_space(12.0);
    let mail = state
        .receipt_mail
        .as_ref()
        .filter(|(id, _)| *id == o.id)
        .map(|(_, m)| m);
    if let Some(own) = own_email {
        let sending = matches!(mail, Some(ReceiptMail::Sending(_)));
        let label = if sending {
            i18n.t("receipt-sending")
        } else {
            i18n.t_args("receipt-email", &[arg("email", own.to_owned())])
        };
        let button = egui_kit::primary_button(ui, label);
        if ui
            .add_enabled(
                !sending,
                button.min_size(egui::vec2(ui.available_width(), theme::TOUCH)),
            )
            .clicked()
        {
            action = Some(OrdersAction::EmailReceipt(o.id));
        }
        match mail {
            Some(ReceiptMail::Sent(to)) => {
                ui.label(
                    egui::RichText::new(i18n.t_args("receipt-sent", &[arg("email", to.clone())]))
                        .size(size::BODY)
                        .color(theme::to_egui(ui, theme::SUCCESS)),
                );
            }
            Some(ReceiptMail::Failed(f)) => {
                ui.label(
                    egui::RichText::new(crate::i18n::failure_text(i18n, f))
                        .size(size::BODY)
                        .color(theme::to_egui(ui, theme::DANGER)),
                );
            }
            _ => {}
        }
    }
    ui.add_space(8.0);
    if big_button(ui, i18n.t("receipt-back"), false, ui.available_width()) {
        action = Some(OrdersAction::ShowReceipt(false));
    }
    action
}

fn tile(ui: &mut egui::Ui, label: String, value: String) {
    egui::Frame::new()
        .fill(theme::to_egui(ui, theme::SURFACE))
        .corner_radius(egui::CornerRadius::same(16))
        .inner_margin(egui::Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(300.0);
            ui.vertical(|ui| {
                ui.label(
                    egui::RichText::new(label)
                        .size(size::SMALL)
                        .color(theme::to_egui(ui, theme::MUTED)),
                );
                ui.label(egui::RichText::new(value).size(size::HEADING).strong());
            });
        });
}

fn chart_frame(ui: &mut egui::Ui, title: String, width: f32, add: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::new()
        .fill(theme::to_egui(ui, theme::SURFACE))
        .corner_radius(egui::CornerRadius::same(16))
        .inner_margin(egui::Margin::same(14))
        .show(ui, |ui| {
            ui.set_width(width);
            ui.vertical(|ui| {
                ui.label(egui::RichText::new(title).size(size::BODY).strong());
                add(ui);
            });
        });
}

/// The dashboard: period picker, totals and four charts. Returns a new period when tapped.
pub fn dashboard(ui: &mut egui::Ui, i18n: &I18n, d: &Dashboard) -> Option<Period> {
    let mut picked = None;
    ui.horizontal(|ui| {
        for p in Period::ALL {
            let on = p == d.period;
            let period = egui_kit::choice(ui, i18n.t(period_key(p)), size::BODY, on);
            if ui
                .add(period.min_size(egui::vec2(150.0, theme::TOUCH * 0.7)))
                .clicked()
            {
                picked = Some(p);
            }
        }
    });
    ui.add_space(10.0);
    ui.horizontal(|ui| {
        tile(ui, i18n.t("dash-spent"), i18n.price(&d.total_spent));
        tile(ui, i18n.t("dash-orders"), d.order_count.to_string());
        tile(ui, i18n.t("dash-items"), d.item_count.to_string());
        tile(
            ui,
            i18n.t("dash-avg-delivery"),
            d.avg_delivery_minutes.map_or("—".into(), |m| {
                i18n.t_args("dash-minutes", &[arg("minutes", m.round() as i64)])
            }),
        );
        let top = d
            .top_products
            .first()
            .map_or("—".to_owned(), |p| format!("{} × {}", p.name, p.quantity));
        tile(ui, i18n.t("dash-top"), top);
    });
    ui.add_space(10.0);
    let half = (ui.available_width() - 16.0) / 2.0 - 28.0;
    let height = 200.0;
    let money = |minor: i64| minor as f64 / 100.0;
    ui.horizontal(|ui| {
        chart_frame(ui, i18n.t("dash-chart-spending"), half, |ui| {
            let days = d.bucket_ms as f64 / 86_400_000.0;
            let first = d.spending.first().map_or(0, |s| s.at);
            let pts: PlotPoints = d
                .spending
                .iter()
                .map(|s| {
                    [
                        (s.at - first) as f64 / 86_400_000.0 / days.max(1e-9) * days,
                        money(s.spent_minor),
                    ]
                })
                .collect();
            let line = theme::to_egui(ui, theme::PRIMARY);
            Plot::new("spending")
                .height(height)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .x_axis_label(i18n.t("dash-axis-days"))
                .show(ui, |plot| {
                    plot.line(Line::new(i18n.t("dash-spent"), pts).color(line).width(3.0));
                });
        });
        chart_frame(ui, i18n.t("dash-chart-categories"), half, |ui| {
            // Horizontal bars, biggest on top, each named inside: touch has no hover.
            let n = d.per_category.len();
            let fill = egui::Color32::from_rgb(253, 189, 140);
            let bars: Vec<Bar> = d
                .per_category
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Bar::new((n - 1 - i) as f64, money(c.spent_minor))
                        .width(0.8)
                        .fill(fill)
                        .stroke(egui::Stroke::NONE)
                })
                .collect();
            let labels: Vec<Text> = d
                .per_category
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Text::new(
                        &c.category,
                        PlotPoint::new(0.0, (n - 1 - i) as f64),
                        egui::RichText::new(format!(
                            "  {} · {}",
                            c.category,
                            i18n.price(&customerclient_api::Money::new(
                                c.spent_minor,
                                &*d.total_spent.currency
                            ))
                        ))
                        .size(size::SMALL * 0.8)
                        .color(theme::to_egui(ui, theme::TEXT)),
                    )
                    .anchor(egui::Align2::LEFT_CENTER)
                })
                .collect();
            Plot::new("categories")
                .height(height)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show_y(false)
                .y_axis_formatter(|_, _| String::new())
                .show(ui, |plot| {
                    plot.bar_chart(BarChart::new(i18n.t("dash-spent"), bars).horizontal());
                    for t in labels {
                        plot.text(t);
                    }
                });
        });
    });
    ui.add_space(10.0);
    ui.horizontal(|ui| {
        chart_frame(ui, i18n.t("dash-chart-hours"), half, |ui| {
            let bars: Vec<Bar> = d
                .orders_by_hour
                .iter()
                .enumerate()
                .map(|(h, n)| {
                    Bar::new(h as f64 + 0.5, *n as f64)
                        .width(1.0)
                        .fill(theme::to_egui(ui, theme::SUCCESS))
                })
                .collect();
            Plot::new("hours")
                .height(height)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .x_axis_label(i18n.t("dash-axis-hour"))
                .show(ui, |plot| {
                    plot.bar_chart(BarChart::new(i18n.t("dash-orders"), bars))
                });
        });
        chart_frame(ui, i18n.t("dash-chart-delivery"), half, |ui| {
            let pts: PlotPoints = d
                .deliveries
                .iter()
                .map(|p| [p.distance_km, p.minutes])
                .collect();
            let hist: Vec<Bar> = d
                .delivery_minutes
                .iter()
                .map(|b| {
                    Bar::new(b.from_minutes as f64 + 2.5, b.count as f64)
                        .width(5.0)
                        .fill(egui::Color32::from_rgb(253, 189, 140))
                })
                .collect();
            let dots = theme::to_egui(ui, theme::PRIMARY);
            ui.horizontal(|ui| {
                Plot::new("delivery-scatter")
                    .height(height)
                    .width(half / 2.0 - 6.0)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .x_axis_label(i18n.t("dash-axis-km"))
                    .y_axis_label(i18n.t("dash-axis-minutes"))
                    // No legend: its toggle is a tiny tap target over the plot that hides
                    // the data; the panel's title says what the points are.
                    .show(ui, |plot| {
                        plot.points(
                            Points::new(i18n.t("dash-deliveries"), pts)
                                .radius(5.0)
                                .color(dots),
                        )
                    });
                Plot::new("delivery-histogram")
                    .height(height)
                    .width(half / 2.0 - 6.0)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .x_axis_label(i18n.t("dash-axis-minutes"))
                    .show(ui, |plot| {
                        plot.bar_chart(BarChart::new(i18n.t("dash-deliveries"), hist))
                    });
            });
        });
    });
    picked
}

fn draw(
    mut contexts: EguiContexts,
    mut state: ResMut<OrdersState>,
    i18n: Res<I18n>,
    session: Res<CustomerSession>,
    mut out: MessageWriter<OrdersAction>,
) -> Result {
    let own_email = session.account.as_ref().and_then(|a| a.email.clone());
    let ctx = contexts.ctx_mut()?;
    let state = &mut *state;
    egui::Area::new(egui::Id::new("orders"))
        .fixed_pos(egui::pos2(24.0, HEADER_HEIGHT + 16.0))
        .show(ctx, |ui| {
            let size = ui.ctx().content_rect().size();
            ui.set_width(size.x - 72.0);
            ui.set_height(size.y - HEADER_HEIGHT - 32.0);
            ui.horizontal(|ui| {
                for (on, key) in [(false, "orders-tab-list"), (true, "orders-tab-dashboard")] {
                    let active = state.dashboard_tab == on;
                    let tab = egui_kit::choice(ui, i18n.t(key), size::HEADING, active);
                    if ui
                        .add(tab.min_size(egui::vec2(320.0, theme::TOUCH * 0.8)))
                        .clicked()
                    {
                        out.write(OrdersAction::ShowDashboard(on));
                    }
                }
                if ui
                    .add(
                        egui_kit::button(i18n.t("orders-back"), size::HEADING)
                            .min_size(egui::vec2(280.0, theme::TOUCH * 0.8)),
                    )
                    .clicked()
                {
                    out.write(OrdersAction::Close);
                }
                if state.is_loading() {
                    ui.spinner();
                }
                if let Some(f) = &state.failure {
                    ui.label(
                        egui::RichText::new(crate::i18n::failure_text(&i18n, f))
                            .color(theme::to_egui(ui, theme::DANGER)),
                    );
                }
            });
            ui.add_space(12.0);
            if state.dashboard_tab {
                match &state.dashboard {
                    Some(d) => {
                        if let Some(p) = dashboard(ui, &i18n, d) {
                            out.write(OrdersAction::SetPeriod(p));
                        }
                    }
                    None => {
                        ui.label(egui::RichText::new(i18n.t("track-loading")).size(size::HEADING));
                    }
                }
                return;
            }
            if state.loaded && state.orders.is_empty() {
                ui.label(egui::RichText::new(i18n.t("orders-none")).size(size::HEADING));
                return;
            }
            ui.horizontal_top(|ui| {
                let list_width = 760.0;
                ui.vertical(|ui| {
                    ui.set_width(list_width);
                    touch::scroll_panel(ui, "orders-list", size.y - HEADER_HEIGHT - 140.0, |ui| {
                        ui.spacing_mut().item_spacing.y = 10.0;
                        for o in &state.orders {
                            if order_row(ui, &i18n, o, state.selected == Some(o.id)) {
                                out.write(OrdersAction::Select(Some(o.id)));
                            }
                        }
                    });
                });
                ui.add_space(24.0);
                ui.vertical(|ui| {
                    egui::Frame::new()
                        .fill(theme::to_egui(ui, theme::SURFACE))
                        .corner_radius(egui::CornerRadius::same(20))
                        .inner_margin(egui::Margin::same(24))
                        .show(ui, |ui| {
                            ui.set_width(ui.available_width() - 48.0);
                            match state.selected_order().cloned() {
                                Some(o) => {
                                    touch::scroll_panel(
                                        ui,
                                        "order-detail",
                                        size.y - HEADER_HEIGHT - 190.0,
                                        |ui| {
                                            let a = if state.receipt_open {
                                                receipt_view(
                                                    ui,
                                                    &i18n,
                                                    &o,
                                                    state,
                                                    own_email.as_deref(),
                                                )
                                            } else {
                                                order_detail(ui, &i18n, &o, state)
                                            };
                                            if let Some(a) = a {
                                                out.write(a);
                                            }
                                        },
                                    );
                                }
                                None => {
                                    ui.label(
                                        egui::RichText::new(i18n.t("orders-pick"))
                                            .size(size::BODY)
                                            .color(theme::to_egui(ui, theme::MUTED)),
                                    );
                                }
                            }
                        });
                });
            });
        });
    Ok(())
}
