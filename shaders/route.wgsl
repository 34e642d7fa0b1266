// The delivery route on the tracking map: dashes that flow from the store towards the
// customer, the part already driven drawn solid and quiet, and a soft edge across the line.
// uv.x is metres along the route, uv.y runs 0..1 across it.

#import bevy_sprite::{
    mesh2d_vertex_output::VertexOutput,
    mesh2d_view_bindings::globals,
}

struct RouteParams {
    ahead: vec4<f32>,
    gap: vec4<f32>,
    done: vec4<f32>,
    // x: metres already travelled, y: dash period in metres, z: flow speed in metres/s
    motion: vec4<f32>,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> route: RouteParams;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let along = in.uv.x;
    let across = abs(in.uv.y - 0.5) * 2.0;
    var color: vec4<f32>;
    if along < route.motion.x {
        color = route.done;
    } else {
        let phase = fract((along - globals.time * route.motion.z) / route.motion.y);
        // Smooth dash edges so the flow does not shimmer at small scales.
        let dash = smoothstep(0.50, 0.56, phase) * (1.0 - smoothstep(0.94, 1.0, phase));
        color = mix(route.ahead, route.gap, dash);
    }
    // Darker rim, like a road casing.
    let rim = smoothstep(0.72, 1.0, across);
    return vec4<f32>(color.rgb * (1.0 - 0.35 * rim), 1.0);
}
