//! Reusable pieces of the dashboard, one component per file.

// `#[component]` derives a props builder whose items are `pub`; they stay
// crate-private through the `pub(crate)` component, which the lint cannot see.
#![allow(unreachable_pub)]

pub(crate) mod admin_list;
pub(crate) mod back_link;
pub(crate) mod ble_card;
pub(crate) mod ble_section;
pub(crate) mod card_alert;
pub(crate) mod card_footer;
pub(crate) mod choice_boxes;
pub(crate) mod confirm_question;
pub(crate) mod connection_indicator;
pub(crate) mod device_card;
pub(crate) mod fan_speed_picker;
pub(crate) mod history_chart;
pub(crate) mod history_panel;
pub(crate) mod metric_value;
pub(crate) mod mode_select;
pub(crate) mod notifications;
pub(crate) mod power_switch;
pub(crate) mod room_section;
pub(crate) mod rule_form;
pub(crate) mod rule_form_action;
pub(crate) mod rule_form_buttons;
pub(crate) mod rule_form_condition;
pub(crate) mod rule_form_device;
pub(crate) mod rule_form_input;
pub(crate) mod rule_form_item;
pub(crate) mod rule_form_list;
pub(crate) mod rule_form_metric;
pub(crate) mod rule_form_problems;
pub(crate) mod rule_form_select;
pub(crate) mod rule_form_trigger;
pub(crate) mod rule_form_weekdays;
pub(crate) mod rule_replay;
pub(crate) mod rule_row;
pub(crate) mod rule_templates;
pub(crate) mod rule_text_editor;
pub(crate) mod rule_timeline;
pub(crate) mod rule_traces;
pub(crate) mod setpoint_stepper;
pub(crate) mod sign_out;
pub(crate) mod sparkline;
pub(crate) mod token_devices;
pub(crate) mod token_secret;
pub(crate) mod trend_arrow;
pub(crate) mod unit_toggle;
pub(crate) mod user_add_form;
pub(crate) mod user_badge;
pub(crate) mod user_role_select;
pub(crate) mod user_rooms;
pub(crate) mod user_row;
