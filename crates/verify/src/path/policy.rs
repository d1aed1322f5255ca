//! The valid_policy_tree of RFC 5280 §6.1.2 (a), processed per §6.1.3 (d)–(f),
//! §6.1.4 (a)–(b) and §6.1.5 (g).
//!
//! Nodes live in one vector per depth; a node refers to its parent by index. Deleted
//! nodes are marked dead rather than removed, so indices stay stable. The number of live
//! nodes per depth is bounded (a crafted chain can otherwise grow the tree exponentially).

use alloc::vec;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier as Oid;

use crate::error::Error;
use crate::oid::ANY_POLICY;

const ROOT_PARENT: usize = usize::MAX;

#[derive(Clone, Debug)]
struct Node {
    policy: Oid,
    expected: Vec<Oid>,
    parent: usize,
    alive: bool,
}

/// RFC 5280 §6.1.2 (a): initially a single anyPolicy node at depth 0.
#[derive(Clone, Debug)]
pub(crate) struct PolicyTree {
    levels: Vec<Vec<Node>>,
    max_nodes: usize,
}

impl PolicyTree {
    pub(crate) fn new(max_nodes: usize) -> Self {
        Self {
            levels: vec![vec![Node {
                policy: ANY_POLICY,
                expected: vec![ANY_POLICY],
                parent: ROOT_PARENT,
                alive: true,
            }]],
            max_nodes,
        }
    }

    /// The tree is NULL (§6.1.2 (a)).
    pub(crate) fn is_null(&self) -> bool {
        !self
            .levels
            .first()
            .and_then(|l| l.first())
            .is_some_and(|n| n.alive)
    }

    fn set_null(&mut self) {
        for l in &mut self.levels {
            for n in l {
                n.alive = false;
            }
        }
    }

    fn last_depth(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// §6.1.3 (d) when the certificate has policies, (e) when it has none.
    /// `any_allowed` is "inhibit_anyPolicy > 0 or (i < n and self-issued)".
    pub(crate) fn process_certificate(
        &mut self,
        policies: Option<&[Oid]>,
        any_allowed: bool,
    ) -> Result<(), Error> {
        let Some(policies) = policies else {
            // (e)
            self.set_null();
            return Ok(());
        };
        let prev_depth = self.last_depth();
        if self.is_null() {
            self.levels.push(Vec::new());
            return Ok(());
        }
        let prev = self.levels.get(prev_depth).cloned().unwrap_or_default();
        let mut next: Vec<Node> = Vec::new();
        let push = |next: &mut Vec<Node>, n: Node, max: usize| -> Result<(), Error> {
            if next.len() >= max {
                return Err(Error::BudgetExceeded {
                    what: "policy tree",
                });
            }
            next.push(n);
            Ok(())
        };
        // (d)(1)
        for p in policies.iter().filter(|p| **p != ANY_POLICY) {
            let mut matched = false;
            for (pi, node) in prev.iter().enumerate().filter(|(_, n)| n.alive) {
                if node.expected.contains(p) {
                    push(&mut next, leaf(*p, pi), self.max_nodes)?;
                    matched = true;
                }
            }
            if !matched {
                for (pi, _) in prev
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.alive && n.policy == ANY_POLICY)
                {
                    push(&mut next, leaf(*p, pi), self.max_nodes)?;
                }
            }
        }
        // (d)(2)
        if any_allowed && policies.contains(&ANY_POLICY) {
            for (pi, node) in prev.iter().enumerate().filter(|(_, n)| n.alive) {
                for e in &node.expected {
                    let exists = next.iter().any(|c| c.parent == pi && c.policy == *e);
                    if !exists {
                        push(&mut next, leaf(*e, pi), self.max_nodes)?;
                    }
                }
            }
        }
        self.levels.push(next);
        // (d)(3)
        self.prune();
        Ok(())
    }

    /// Deletes nodes without children at depths below the deepest level, bottom-up.
    fn prune(&mut self) {
        let last = self.last_depth();
        for d in (0..last).rev() {
            let mut has_child = vec![false; self.levels.get(d).map_or(0, Vec::len)];
            if let Some(children) = self.levels.get(d + 1) {
                for c in children.iter().filter(|c| c.alive) {
                    if let Some(h) = has_child.get_mut(c.parent) {
                        *h = true;
                    }
                }
            }
            if let Some(level) = self.levels.get_mut(d) {
                for (i, n) in level.iter_mut().enumerate() {
                    if !has_child.get(i).copied().unwrap_or(false) {
                        n.alive = false;
                    }
                }
            }
        }
    }

    /// Marks dead every node whose parent is dead (after deleting subtrees).
    fn kill_orphans(&mut self) {
        for d in 1..self.levels.len() {
            let parent_alive: Vec<bool> = self
                .levels
                .get(d - 1)
                .map(|l| l.iter().map(|n| n.alive).collect())
                .unwrap_or_default();
            if let Some(level) = self.levels.get_mut(d) {
                for n in level.iter_mut() {
                    if !parent_alive.get(n.parent).copied().unwrap_or(false) {
                        n.alive = false;
                    }
                }
            }
        }
    }

    /// §6.1.4 (b): applies policyMappings at the current depth. `mapping_allowed` is
    /// "policy_mapping > 0".
    pub(crate) fn apply_mappings(
        &mut self,
        mappings: &[(Oid, Oid)],
        mapping_allowed: bool,
    ) -> Result<(), Error> {
        if self.is_null() {
            return Ok(());
        }
        let d = self.last_depth();
        let mut issuer_policies: Vec<Oid> = mappings.iter().map(|(i, _)| *i).collect();
        issuer_policies.sort();
        issuer_policies.dedup();
        let max = self.max_nodes;
        let Some(level) = self.levels.get_mut(d) else {
            return Ok(());
        };
        for p in issuer_policies {
            if mapping_allowed {
                let subjects: Vec<Oid> = mappings
                    .iter()
                    .filter(|(i, _)| *i == p)
                    .map(|(_, s)| *s)
                    .collect();
                let mut found = false;
                for n in level.iter_mut().filter(|n| n.alive && n.policy == p) {
                    n.expected = subjects.clone();
                    found = true;
                }
                if !found {
                    let any_parent = level
                        .iter()
                        .find(|n| n.alive && n.policy == ANY_POLICY)
                        .map(|n| n.parent);
                    if let Some(parent) = any_parent {
                        if level.len() >= max {
                            return Err(Error::BudgetExceeded {
                                what: "policy tree",
                            });
                        }
                        level.push(Node {
                            policy: p,
                            expected: subjects,
                            parent,
                            alive: true,
                        });
                    }
                }
            } else {
                for n in level.iter_mut().filter(|n| n.policy == p) {
                    n.alive = false;
                }
            }
        }
        if !mapping_allowed {
            self.prune();
        }
        Ok(())
    }

    /// §6.1.5 (g): intersects the tree with the user-initial-policy-set (empty means
    /// {anyPolicy}); returns the policies at the deepest level that remain.
    pub(crate) fn intersect(&mut self, initial: &[Oid]) -> Vec<Oid> {
        if self.is_null() {
            return Vec::new();
        }
        let initial_any = initial.is_empty() || initial.contains(&ANY_POLICY);
        if !initial_any {
            // (iii)(1)–(2)
            for d in 1..self.levels.len() {
                let parent_any: Vec<bool> = self
                    .levels
                    .get(d - 1)
                    .map(|l| l.iter().map(|n| n.policy == ANY_POLICY).collect())
                    .unwrap_or_default();
                if let Some(level) = self.levels.get_mut(d) {
                    for n in level.iter_mut().filter(|n| n.alive) {
                        let under_any = parent_any.get(n.parent).copied().unwrap_or(false);
                        if under_any && n.policy != ANY_POLICY && !initial.contains(&n.policy) {
                            n.alive = false;
                        }
                    }
                }
                self.kill_orphans();
            }
            // (iii)(3)
            let last = self.last_depth();
            if let Some(level) = self.levels.get_mut(last) {
                let any_node = level.iter().position(|n| n.alive && n.policy == ANY_POLICY);
                if let Some(ai) = any_node {
                    let parent = level.get(ai).map_or(ROOT_PARENT, |n| n.parent);
                    for p in initial {
                        if !level.iter().any(|n| n.alive && n.policy == *p) {
                            level.push(leaf(*p, parent));
                        }
                    }
                    if let Some(a) = level.get_mut(ai) {
                        a.alive = false;
                    }
                }
            }
            // (iii)(4)
            self.prune();
        }
        if self.is_null() {
            return Vec::new();
        }
        let mut out: Vec<Oid> = self
            .levels
            .last()
            .map(|l| l.iter().filter(|n| n.alive).map(|n| n.policy).collect())
            .unwrap_or_default();
        out.sort();
        out.dedup();
        out
    }
}

fn leaf(policy: Oid, parent: usize) -> Node {
    Node {
        policy,
        expected: vec![policy],
        parent,
        alive: true,
    }
}
