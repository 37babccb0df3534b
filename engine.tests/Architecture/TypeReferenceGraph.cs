using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace AimLsm.Tests.Architecture;

/// <summary>
/// Which of an assembly's own types each of its types refers to, read from the compiled metadata and IL with
/// System.Reflection.Metadata (part of the shared framework, so no package): base types, interfaces, generic
/// constraints, attributes, field, property, event and method signatures, locals, and every type, method, field
/// and signature token in every method body. That is every arrow the compiler would see if the two types lived in
/// different assemblies, plus the ones it would not (a call whose return value is discarded still names its type).
/// </summary>
/// <remarks>
/// Nodes are top-level types named <c>Namespace.Name</c> (generic arity kept as <c>`1</c>); a nested type, including
/// the compiler's closures and state machines, counts as part of its outermost declaring type. Types outside any
/// namespace (<c>&lt;Module&gt;</c>, <c>&lt;PrivateImplementationDetails&gt;</c>, anonymous types) and outside
/// <c>AimLsm</c> (embedded compiler attributes) are left out. A graph may span several assemblies (AimLsm.Kv and
/// AimLsm): a reference to another assembly's type (a TypeRef) is recorded by its full name, so an arrow between the
/// assemblies is seen the same way as one inside an assembly.
/// </remarks>
internal sealed class TypeReferenceGraph
{
    private static readonly Dictionary<ushort, OperandType> OperandTypes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => unchecked((ushort)o.Value), o => o.OperandType);

    private readonly Dictionary<string, HashSet<string>> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);

    private TypeReferenceGraph()
    {
    }

    /// <summary>Every top-level type of the assembly that the graph covers, with its namespace.</summary>
    public IReadOnlyDictionary<string, string> Namespaces => _namespaces;

    /// <summary>The types <paramref name="type"/> refers to (itself excluded).</summary>
    public IReadOnlySet<string> ReferencesOf(string type) =>
        _edges.TryGetValue(type, out HashSet<string>? to) ? to : new HashSet<string>();

    /// <summary>
    /// A graph over made-up types, for proving that a rule over the graph can fail: <paramref name="types"/> maps each
    /// type to its namespace, <paramref name="references"/> are the arrows (both ends must be in <paramref name="types"/>).
    /// </summary>
    public static TypeReferenceGraph FromEdges(IReadOnlyDictionary<string, string> types, IEnumerable<(string From, string To)> references)
    {
        var graph = new TypeReferenceGraph();
        foreach ((string type, string ns) in types)
        {
            graph._namespaces[type] = ns;
            graph._edges[type] = new HashSet<string>(StringComparer.Ordinal);
        }

        foreach ((string from, string to) in references)
        {
            if (!types.ContainsKey(from) || !types.ContainsKey(to))
                throw new ArgumentException($"{from} -> {to}: both ends must be among the types", nameof(references));
            if (from != to)
                graph._edges[from].Add(to);
        }

        return graph;
    }

    /// <summary>Reads the assembly files at <paramref name="paths"/> into one graph.</summary>
    public static TypeReferenceGraph Load(params string[] paths)
    {
        var graph = new TypeReferenceGraph();
        foreach (string path in paths)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader md = pe.GetMetadataReader();
            var collector = new Collector(md, pe);
            foreach (TypeDefinitionHandle handle in md.TypeDefinitions)
            {
                string? from = NodeOf(md, handle, out string ns);
                if (from is null)
                    continue;
                graph._namespaces[from] = ns;
                collector.Found.Clear();
                collector.CollectType(handle);
                if (!graph._edges.TryGetValue(from, out HashSet<string>? to))
                    graph._edges[from] = to = new HashSet<string>(StringComparer.Ordinal);
                to.UnionWith(collector.Found.Where(name => name != from));
            }
        }

        return graph;
    }

    /// <summary>The node a type definition belongs to (its outermost declaring type), or null if not covered.</summary>
    private static string? NodeOf(MetadataReader md, TypeDefinitionHandle handle, out string ns)
    {
        TypeDefinition def = md.GetTypeDefinition(handle);
        while (def.GetDeclaringType() is { IsNil: false } outer)
            def = md.GetTypeDefinition(outer);
        ns = md.GetString(def.Namespace);
        return Covered(ns) ? ns + "." + md.GetString(def.Name) : null;
    }

    /// <summary>The node a reference to another assembly's type belongs to, or null if not ours.</summary>
    private static string? NodeOf(MetadataReader md, TypeReferenceHandle handle)
    {
        TypeReference reference = md.GetTypeReference(handle);
        while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
            reference = md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
        string ns = md.GetString(reference.Namespace);
        return Covered(ns) ? ns + "." + md.GetString(reference.Name) : null;
    }

    private static bool Covered(string ns) => ns == "AimLsm" || ns.StartsWith("AimLsm.", StringComparison.Ordinal);

    /// <summary>Walks one type definition and records every type of ours it names, in its own assembly or another.</summary>
    private sealed class Collector(MetadataReader md, PEReader pe) : ISignatureTypeProvider<int, object?>
    {
        public HashSet<string> Found { get; } = new(StringComparer.Ordinal);

        private void Add(TypeDefinitionHandle handle)
        {
            if (NodeOf(md, handle, out _) is { } name)
                Found.Add(name);
        }

        public void CollectType(TypeDefinitionHandle handle)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            Entity(type.BaseType);
            foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
                Entity(md.GetInterfaceImplementation(i).Interface);
            GenericParameters(type.GetGenericParameters());
            Attributes(type.GetCustomAttributes());
            foreach (FieldDefinitionHandle f in type.GetFields())
            {
                FieldDefinition field = md.GetFieldDefinition(f);
                field.DecodeSignature(this, null);
                Attributes(field.GetCustomAttributes());
            }

            foreach (PropertyDefinitionHandle p in type.GetProperties())
            {
                PropertyDefinition property = md.GetPropertyDefinition(p);
                property.DecodeSignature(this, null);
                Attributes(property.GetCustomAttributes());
            }

            foreach (EventDefinitionHandle e in type.GetEvents())
                Entity(md.GetEventDefinition(e).Type);
            foreach (MethodImplementationHandle m in type.GetMethodImplementations())
                Entity(md.GetMethodImplementation(m).MethodDeclaration);
            foreach (MethodDefinitionHandle m in type.GetMethods())
                Method(md.GetMethodDefinition(m));
        }

        private void Method(MethodDefinition method)
        {
            method.DecodeSignature(this, null);
            GenericParameters(method.GetGenericParameters());
            Attributes(method.GetCustomAttributes());
            foreach (ParameterHandle p in method.GetParameters())
                Attributes(md.GetParameter(p).GetCustomAttributes());
            if (method.RelativeVirtualAddress == 0)
                return;
            MethodBodyBlock body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
                Entity(body.LocalSignature);
            foreach (ExceptionRegion region in body.ExceptionRegions)
                Entity(region.CatchType);
            Il(body.GetILReader());
        }

        /// <summary>Steps through the IL opcode by opcode and follows every metadata token an operand holds.</summary>
        private void Il(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                ushort code = il.ReadByte();
                if (code == 0xFE)
                    code = (ushort)(0xFE00 | il.ReadByte());
                if (!OperandTypes.TryGetValue(code, out OperandType operand))
                    throw new InvalidOperationException($"unknown IL opcode 0x{code:X} at IL offset {il.Offset}");
                switch (operand)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineSwitch:
                        int cases = il.ReadInt32();
                        il.Offset += cases * 4;
                        break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok
                        or OperandType.InlineType or OperandType.InlineSig:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default: // InlineBrTarget, InlineI, ShortInlineR, InlineString: four bytes, no type in them
                        il.Offset += 4;
                        break;
                }
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (GenericParameterHandle g in parameters)
            {
                foreach (GenericParameterConstraintHandle c in md.GetGenericParameter(g).GetConstraints())
                    Entity(md.GetGenericParameterConstraint(c).Type);
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (CustomAttributeHandle a in attributes)
                Entity(md.GetCustomAttribute(a).Constructor);
        }

        private void Entity(EntityHandle handle)
        {
            if (handle.IsNil)
                return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeReference:
                    if (NodeOf(md, (TypeReferenceHandle)handle) is { } referenced)
                        Found.Add(referenced);
                    break;
                case HandleKind.TypeSpecification:
                    md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    break;
                case HandleKind.MethodDefinition:
                    MethodDefinition method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    Add(method.GetDeclaringType());
                    method.DecodeSignature(this, null);
                    break;
                case HandleKind.FieldDefinition:
                    FieldDefinition field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                    Add(field.GetDeclaringType());
                    field.DecodeSignature(this, null);
                    break;
                case HandleKind.MemberReference:
                    MemberReference member = md.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                        member.DecodeMethodSignature(this, null);
                    else
                        member.DecodeFieldSignature(this, null);
                    break;
                case HandleKind.MethodSpecification:
                    MethodSpecification spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(spec.Method);
                    spec.DecodeSignature(this, null);
                    break;
                case HandleKind.StandaloneSignature:
                    StandaloneSignature signature = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                        signature.DecodeLocalSignature(this, null);
                    else
                        signature.DecodeMethodSignature(this, null);
                    break;
                default: // ModuleReference: nothing of ours
                    break;
            }
        }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Add(handle);
            return 0;
        }

        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
        {
            Entity(handle);
            return 0;
        }

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            Entity(handle);
            return 0;
        }

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;

        public int GetSZArrayType(int elementType) => 0;

        public int GetArrayType(int elementType, ArrayShape shape) => 0;

        public int GetByReferenceType(int elementType) => 0;

        public int GetPointerType(int elementType) => 0;

        public int GetPinnedType(int elementType) => 0;

        public int GetGenericInstantiation(int genericType, System.Collections.Immutable.ImmutableArray<int> typeArguments) => 0;

        public int GetGenericMethodParameter(object? genericContext, int index) => 0;

        public int GetGenericTypeParameter(object? genericContext, int index) => 0;

        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;

        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
