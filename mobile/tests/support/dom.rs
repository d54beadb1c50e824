//! The app in a VirtualDom: render to HTML (SSR), find an element with a listener by its text or
//! one of its attributes, and fire a click or an input on it as the webview would.

use std::any::Any;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use dioxus::dioxus_core::{DynamicNode, ElementId, TemplateAttribute, TemplateNode, VNode};
use dioxus::prelude::*;
use dioxus_html::{PlatformEventData, SerializedFormData, SerializedMouseData};
use minqing_mobile::services::Services;
use minqing_mobile::ui::{Root, RootProps};

/// The app, rendered.
pub struct App {
    pub dom: VirtualDom,
}

/// An element that listens to an event.
#[derive(Debug)]
struct Target {
    id: ElementId,
    text: String,
    attrs: Vec<(String, String)>,
}

impl App {
    /// The app over `services`, without the background sync loop.
    pub fn new(services: Arc<Services>) -> Self {
        dioxus_html::set_event_converter(Box::new(dioxus_html::SerializedHtmlEventConverter));
        let props = RootProps { services, background_sync: false };
        let mut dom = VirtualDom::new_with_props(Root, props);
        dom.rebuild_in_place();
        Self { dom }
    }

    /// The page as HTML.
    pub fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }

    /// The page's text without tags and without the stylesheet (for reading assertions).
    pub fn text(&self) -> String {
        let mut html = self.html();
        while let (Some(start), Some(end)) = (html.find("<style>"), html.find("</style>")) {
            html.replace_range(start..end + "</style>".len(), "");
        }
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        [("&#39;", "'"), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
            .iter()
            .fold(out, |text, (entity, c)| text.replace(entity, c))
    }

    /// Clicks the `nth` element with a click listener whose text contains `text`.
    pub fn click_nth(&mut self, text: &str, nth: usize) {
        let id = self.find("onclick", |t| t.text.contains(text), nth, text);
        let data = PlatformEventData::new(Box::new(SerializedMouseData::default()));
        self.dom.runtime().handle_event(
            "click",
            Event::new(Rc::new(data) as Rc<dyn Any>, true),
            id,
        );
        self.dom.render_immediate_to_vec();
    }

    /// Clicks the first element with a click listener whose text contains `text`.
    pub fn click(&mut self, text: &str) {
        self.click_nth(text, 0);
    }

    /// Clicks the element with a click listener and the attribute `name` = `value`.
    pub fn click_attr(&mut self, name: &str, value: &str) {
        let id = self.find("onclick", |t| has_attr(t, name, value), 0, value);
        let data = PlatformEventData::new(Box::new(SerializedMouseData::default()));
        self.dom.runtime().handle_event(
            "click",
            Event::new(Rc::new(data) as Rc<dyn Any>, true),
            id,
        );
        self.dom.render_immediate_to_vec();
    }

    /// Types `value` into the `nth` field with an input listener and attribute `name` = `attr`.
    pub fn type_into(&mut self, name: &str, attr: &str, nth: usize, value: &str) {
        let id = self.find("oninput", |t| has_attr(t, name, attr), nth, attr);
        let data = PlatformEventData::new(Box::new(SerializedFormData::new(value.into(), vec![])));
        self.dom.runtime().handle_event(
            "input",
            Event::new(Rc::new(data) as Rc<dyn Any>, true),
            id,
        );
        self.dom.render_immediate_to_vec();
    }

    /// Chooses `value` in the `nth` field with a change listener and attribute `name` = `attr`
    /// (a `select`).
    pub fn choose(&mut self, name: &str, attr: &str, nth: usize, value: &str) {
        let id = self.find("onchange", |t| has_attr(t, name, attr), nth, attr);
        let data = PlatformEventData::new(Box::new(SerializedFormData::new(value.into(), vec![])));
        self.dom.runtime().handle_event(
            "change",
            Event::new(Rc::new(data) as Rc<dyn Any>, true),
            id,
        );
        self.dom.render_immediate_to_vec();
    }

    /// The app comes back to the foreground (as a phone's resume or a window's focus would
    /// tell it).
    #[allow(dead_code)]
    pub fn resume(&mut self) {
        use minqing_mobile::ui::resume::Resumed;
        self.dom.in_runtime(|| {
            let mut resumed =
                dioxus::dioxus_core::consume_context_from_scope::<Signal<Resumed>>(ScopeId::APP)
                    .expect("the root provides Resumed");
            resumed.with_mut(|r| r.0 += 1);
        });
        self.dom.render_immediate_to_vec();
    }

    /// Lets spawned tasks (async handlers) run for a moment, then renders.
    pub async fn settle(&mut self) {
        for _ in 0..5 {
            let _ =
                tokio::time::timeout(Duration::from_millis(200), self.dom.wait_for_work()).await;
            self.dom.render_immediate_to_vec();
        }
    }

    fn find(
        &self,
        listener: &str,
        matches: impl Fn(&Target) -> bool,
        nth: usize,
        what: &str,
    ) -> ElementId {
        let mut targets = Vec::new();
        collect(&self.dom, self.dom.base_scope().root_node(), listener, &mut targets);
        let found: Vec<&Target> = targets.iter().filter(|t| matches(t)).collect();
        match found.get(nth) {
            Some(t) => t.id,
            None => panic!(
                "no {listener} target #{nth} for {what:?}; targets: {:#?}",
                targets.iter().map(|t| (&t.text, &t.attrs)).collect::<Vec<_>>()
            ),
        }
    }
}

fn has_attr(t: &Target, name: &str, value: &str) -> bool {
    t.attrs.iter().any(|(n, v)| n == name && v == value)
}

/// Every element under `node` (components included) with a `listener`, in document order.
fn collect(dom: &VirtualDom, node: &VNode, listener: &str, out: &mut Vec<Target>) {
    for (i, group) in node.dynamic_attrs.iter().enumerate() {
        if !group.iter().any(|a| a.name == listener) {
            continue;
        }
        let Some(id) = node.mounted_dynamic_attribute(i, dom) else { continue };
        let element = at_path(node, node.template.attr_paths[i]);
        let mut text = String::new();
        template_text(dom, node, element, &mut text);
        // Other dynamic attributes of the same element may sit in slots of their own.
        let path = node.template.attr_paths[i];
        let mut attrs: Vec<(String, String)> = node
            .dynamic_attrs
            .iter()
            .enumerate()
            .filter(|(j, _)| node.template.attr_paths[*j] == path)
            .flat_map(|(_, g)| g.iter())
            .filter_map(|a| match &a.value {
                dioxus::dioxus_core::AttributeValue::Text(v) => Some((a.name.into(), v.clone())),
                _ => None,
            })
            .collect();
        if let TemplateNode::Element { attrs: statics, .. } = element {
            for a in statics.iter() {
                if let TemplateAttribute::Static { name, value, .. } = a {
                    attrs.push(((*name).into(), (*value).into()));
                }
            }
        }
        out.push(Target { id, text, attrs });
    }
    for (i, dynamic) in node.dynamic_nodes.iter().enumerate() {
        match dynamic {
            DynamicNode::Component(c) => {
                if let Some(scope) = c.mounted_scope(i, node, dom) {
                    collect(dom, scope.root_node(), listener, out);
                }
            }
            DynamicNode::Fragment(nodes) => {
                for n in nodes {
                    collect(dom, n, listener, out);
                }
            }
            _ => {}
        }
    }
}

fn at_path(node: &VNode, path: &[u8]) -> &'static TemplateNode {
    let mut t = &node.template.roots[path[0] as usize];
    for &step in &path[1..] {
        if let TemplateNode::Element { children, .. } = t {
            t = &children[step as usize];
        }
    }
    t
}

fn template_text(dom: &VirtualDom, node: &VNode, t: &TemplateNode, out: &mut String) {
    match t {
        TemplateNode::Element { children, .. } => {
            for c in children.iter() {
                template_text(dom, node, c, out);
            }
        }
        TemplateNode::Text { text } => out.push_str(text),
        TemplateNode::Dynamic { id } => match &node.dynamic_nodes[*id] {
            DynamicNode::Text(t) => out.push_str(&t.value),
            DynamicNode::Fragment(nodes) => {
                for n in nodes {
                    vnode_text(dom, n, out);
                }
            }
            DynamicNode::Component(c) => {
                if let Some(scope) = c.mounted_scope(*id, node, dom) {
                    vnode_text(dom, scope.root_node(), out);
                }
            }
            DynamicNode::Placeholder(_) => {}
        },
    }
}

fn vnode_text(dom: &VirtualDom, node: &VNode, out: &mut String) {
    for root in node.template.roots.iter() {
        template_text(dom, node, root, out);
    }
}
